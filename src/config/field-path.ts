/**
 * Dotted paths into a vendor record as a connector presents it: `requested_for.email`, `variables.action`,
 * `fields.customfield_10072.value`, and `fields["Beneficiary email"]` for a Jira field named by its display name.
 */
export function parseFieldPath(path: string): string[] {
  const segments: string[] = []
  let i = 0
  let expectSegment = true
  while (i < path.length) {
    if (path[i] === '[') {
      const quote = path[i + 1]
      if (quote !== '"' && quote !== "'") throw new Error(`expected a quote after "[" at position ${i + 1}`)
      const end = path.indexOf(`${quote}]`, i + 2)
      if (end < 0) throw new Error(`unterminated ${quote}…${quote}] starting at position ${i}`)
      segments.push(path.slice(i + 2, end))
      i = end + 2
      expectSegment = false
      continue
    }
    if (path[i] === '.') {
      if (expectSegment) throw new Error(`empty segment at position ${i}`)
      expectSegment = true
      i++
      continue
    }
    if (!expectSegment) throw new Error(`expected "." or "[" at position ${i}`)
    let j = i
    while (j < path.length && path[j] !== '.' && path[j] !== '[') j++
    const seg = path.slice(i, j)
    if (!/^[A-Za-z0-9_$-]+$/.test(seg))
      throw new Error(`segment ${JSON.stringify(seg)} has characters a field name cannot have`)
    segments.push(seg)
    i = j
    expectSegment = false
  }
  if (segments.length === 0 || expectSegment) throw new Error('path is empty or ends with "."')
  return segments
}

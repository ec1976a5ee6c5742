/**
 * A strict CEF decoder written for the tests (npm parsers mis-split on `\=`): it rejects any escape the spec
 * does not define, raw line breaks, unescaped `=` inside a value and pipes left unescaped in the header.
 */
export interface DecodedCef {
  version: string
  vendor: string
  product: string
  productVersion: string
  classId: string
  name: string
  severity: string
  extension: Map<string, string>
}

export function decodeHeaderField(raw: string): string {
  let out = ''
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!
    if (c === '\n' || c === '\r') throw new Error(`raw line break in header at ${i}`)
    if (c === '|') throw new Error(`unescaped pipe in header field at ${i}`)
    if (c === '\\') {
      const n = raw[++i]
      if (n !== '\\' && n !== '|') throw new Error(`invalid header escape \\${n ?? 'EOF'} at ${i}`)
      out += n
    } else out += c
  }
  return out
}

/** Splits the header on unescaped pipes: seven fields, then the extension. */
function splitHeader(line: string): { fields: string[]; rest: string } {
  const fields: string[] = []
  let start = 0
  for (let i = 0; i < line.length && fields.length < 7; i++) {
    if (line[i] === '\\') {
      i++
      continue
    }
    if (line[i] === '|') {
      fields.push(line.slice(start, i))
      start = i + 1
    }
  }
  if (fields.length !== 7) throw new Error(`expected 7 header fields, found ${fields.length}`)
  return { fields, rest: line.slice(start) }
}

export function decodeExtension(raw: string): Map<string, string> {
  const out = new Map<string, string>()
  if (raw === '') return out
  if (/[\r\n]/.test(raw)) throw new Error('raw line break in the extension')
  let i = 0
  const readKey = (): string => {
    const m = /^[A-Za-z0-9]+=/.exec(raw.slice(i))
    if (!m) throw new Error(`expected key= at ${i}: ${JSON.stringify(raw.slice(i, i + 20))}`)
    i += m[0].length
    return m[0].slice(0, -1)
  }
  let key = readKey()
  // Decoded characters with whether each was a raw (unescaped) character.
  let chars: { c: string; raw: boolean }[] = []
  const finish = (k: string, cs: typeof chars) => {
    if (out.has(k)) throw new Error(`duplicate key ${k}`)
    out.set(k, cs.map((x) => x.c).join(''))
  }
  while (i < raw.length) {
    const c = raw[i]!
    if (c === '\\') {
      const n = raw[i + 1]
      const decoded = n === '\\' ? '\\' : n === '=' ? '=' : n === 'n' ? '\n' : n === 'r' ? '\r' : null
      if (decoded === null) throw new Error(`invalid extension escape \\${n ?? 'EOF'} at ${i}`)
      chars.push({ c: decoded, raw: false })
      i += 2
      continue
    }
    if (c === '=') {
      // The value ended at the last raw space; what follows it is the next key.
      let sp = chars.length - 1
      while (sp >= 0 && !(chars[sp]!.raw && chars[sp]!.c === ' ')) sp--
      if (sp < 0) throw new Error(`unescaped = inside the value of ${key} at ${i}`)
      const nextKey = chars.slice(sp + 1)
      if (!nextKey.every((x) => x.raw) || !/^[A-Za-z0-9]+$/.test(nextKey.map((x) => x.c).join('')))
        throw new Error(`unescaped = inside the value of ${key} at ${i}`)
      finish(key, chars.slice(0, sp))
      key = nextKey.map((x) => x.c).join('')
      chars = []
      i++
      continue
    }
    chars.push({ c, raw: true })
    i++
  }
  finish(key, chars)
  return out
}

export function decodeCef(line: string): DecodedCef {
  if (!line.startsWith('CEF:')) throw new Error('not a CEF line')
  const { fields, rest } = splitHeader(line)
  const [version, vendor, product, productVersion, classId, name, severity] = fields.map(decodeHeaderField)
  return {
    version: version!.slice(4),
    vendor: vendor!,
    product: product!,
    productVersion: productVersion!,
    classId: classId!,
    name: name!,
    severity: severity!,
    extension: decodeExtension(rest),
  }
}

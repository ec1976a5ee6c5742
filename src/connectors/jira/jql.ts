/**
 * JQL built with quoting and escaping. Every value accord puts into JQL goes through `jqlString`, so quotes,
 * backslashes and reserved words (`AND`, `ORDER`, `empty`) in data stay data.
 */

/** A JQL string literal: double-quoted, `\` and `"` escaped. Control characters have no JQL escape: refused. */
export function jqlString(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw new Error(`a JQL value cannot hold control characters: ${JSON.stringify(value)}`)
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
}

/** Jira's JQL date literal, minute precision, in UTC (the integration account's profile zone must be UTC). */
export function jqlDateTime(d: Date): string {
  const iso = d.toISOString()
  return `"${iso.slice(0, 10).replaceAll('-', '/')} ${iso.slice(11, 16)}"`
}

/** Where `ORDER BY` starts in a JQL query, ignoring quoted text; -1 when absent. */
function orderByAt(jql: string): number {
  let quote: string | null = null
  for (let i = 0; i < jql.length; i++) {
    const c = jql[i]!
    if (quote) {
      if (c === '\\') i++
      else if (c === quote) quote = null
      continue
    }
    if (c === '"' || c === "'") {
      quote = c
      continue
    }
    if (/\border\s+by\b/iy.test(jql.slice(i, i + 40)) && (i === 0 || /[\s)]/.test(jql[i - 1]!))) return i
  }
  return -1
}

/**
 * The configured JQL, parenthesised so its ORs cannot swallow accord's conditions, ANDed with `extra`, and
 * ordered for stable paging. A JQL with its own ORDER BY is refused: the watermark needs `updated ASC, key ASC`.
 */
export function buildSearchJql(userJql: string, extra: string[]): string {
  const trimmed = userJql.trim()
  if (orderByAt(trimmed) >= 0)
    throw new Error(
      `tickets.jql must not contain ORDER BY: accord orders by "updated ASC, key ASC" to page and keep its watermark (${JSON.stringify(trimmed)})`,
    )
  return [`(${trimmed})`, ...extra].join(' AND ') + ' ORDER BY updated ASC, key ASC'
}

/**
 * ServiceNow encoded queries (`sysparm_query`): `<field><op><value>` conditions joined by `^` (AND), `^OR`,
 * `^NQ` (a new OR-ed query). Values are written here and nowhere else, escaped so that user or vendor data can
 * never add a condition, widen a filter or run a script.
 */

const FIELD = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$/i

/** A field name, possibly dot-walked. Anything else is refused: encoded queries silently ignore bad parts. */
export function snField(name: string): string {
  if (!FIELD.test(name)) throw new Error(`not a ServiceNow field name: ${JSON.stringify(name)}`)
  return name
}

/**
 * One condition value. `^` is escaped by doubling (`^^`), so a value holding `^NQactive=true` stays one value.
 * Line breaks end a query in some releases, and a value starting with `javascript:` is evaluated on the server
 * (Script Includes, `gs.*`): both are refused rather than "escaped", since no escape for them is documented.
 */
export function snValue(value: string): string {
  if (/[\r\n\0]/.test(value))
    throw new Error(`a ServiceNow query value cannot hold a line break: ${JSON.stringify(value)}`)
  if (/^\s*javascript\s*:/i.test(value))
    throw new Error(`a ServiceNow query value cannot start with "javascript:": ${JSON.stringify(value)}`)
  return value.replaceAll('^', '^^')
}

/** `field=value`, escaped. */
export function snEquals(field: string, value: string): string {
  return `${snField(field)}=${snValue(value)}`
}

/**
 * `fieldIN a,b,c`. The list separator has no escape, so values holding a comma are refused (sys_ids, numbers and
 * emails never do).
 */
export function snIn(field: string, values: readonly string[]): string {
  if (values.length === 0) throw new Error('an IN condition needs at least one value')
  for (const v of values) {
    if (v.includes(',')) throw new Error(`a value in an IN list cannot hold a comma: ${JSON.stringify(v)}`)
  }
  return `${snField(field)}IN${values.map(snValue).join(',')}`
}

/** A sys_id: 32 hex characters. Checked so a reference from a response can be put into a query as is. */
export function isSysId(v: string): boolean {
  return /^[0-9a-f]{32}$/i.test(v)
}

/** ServiceNow's stored date-time format, in UTC (`sysparm_display_value=false` gives UTC). */
export function snDateTime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ')
}

/**
 * Splits a user's encoded query into its `^NQ` branches, honouring `^^` escapes. A filter with its own
 * ORDERBY is refused: accord's paging order must come first and alone.
 */
export function splitBranches(filter: string): string[] {
  const branches: string[] = []
  let current = ''
  for (let i = 0; i < filter.length; i++) {
    if (filter[i] === '^' && filter[i + 1] === '^') {
      current += '^^'
      i++
      continue
    }
    if (filter[i] === '^' && filter.startsWith('NQ', i + 1)) {
      branches.push(current)
      current = ''
      i += 2
      continue
    }
    current += filter[i]
  }
  branches.push(current)
  for (const b of branches) {
    if (/(^|\^)ORDERBY/.test(unescaped(b)))
      throw new Error(
        `the tickets filter must not sort (ORDERBY): accord pages by its own key order; remove ${JSON.stringify(b)}`,
      )
  }
  // `^EQ` ends a query (conditions after it are dropped) and a lone separator at either end would pair with
  // the one accord adds into an escape: strip both.
  return branches
    .map((b) => b.replace(/\^EQ$/, ''))
    .map((b) => b.replace(/^\^+|\^+$/g, (m) => (m.length % 2 === 0 ? m : m.slice(1))))
}

/** The filter with escaped `^^` pairs blanked, to look for real separators only. */
function unescaped(s: string): string {
  return s.replaceAll('^^', '  ')
}

/**
 * ANDs `extra` conditions onto every `^NQ` branch of `filter`: without this, `a^NQb^sys_id>X` would only bound
 * the last branch and the first would be read whole on every page.
 */
export function andEveryBranch(filter: string, extra: string): string {
  const branches = splitBranches(filter.trim())
  return branches.map((b) => (b === '' ? extra : `${b}^${extra}`)).join('^NQ')
}

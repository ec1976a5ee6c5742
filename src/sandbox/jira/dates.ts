/**
 * Jira's date formats. Issue JSON carries `2026-05-15T09:00:00.000+0900` (offset without a colon); JQL takes
 * `"yyyy/MM/dd HH:mm"`, `"yyyy-MM-dd HH:mm"`, `"yyyy/MM/dd"`, `"yyyy-MM-dd"` and periods such as `-15m`, `-1d`,
 * `-2w 3d`, read in the searching user's time zone, which the sandbox fixes at UTC (vendor-apis.md 2.6).
 */

/** `2026-11-29T10:00:00.000+0000` */
export function jiraDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000')
}

/** Parses an issue date-time (`+0900` or `+09:00` or `Z`) or a bare date (UTC midnight); NaN if neither. */
export function parseJiraDateTime(text: string): number {
  const m = /^(.*T[\d:.]+)([+-])(\d{2}):?(\d{2})$/.exec(text)
  if (m) return Date.parse(`${m[1]}${m[2]}${m[3]}:${m[4]}`)
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return Date.parse(`${text}T00:00:00Z`)
  return Date.parse(text)
}

const PERIOD_UNIT: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
}

/**
 * A JQL date operand as epoch ms, or undefined when it is not one of the accepted forms. `relative` is set for
 * periods, whose meaning moves with the clock.
 */
export function parseJqlDate(text: string, nowMs: number): { ms: number; relative: boolean } | undefined {
  const abs = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?$/.exec(text.trim())
  if (abs) {
    const [, y, mo, d, h = '0', mi = '0'] = abs
    const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi))
    return Number.isNaN(ms) ? undefined : { ms, relative: false }
  }
  const period = text.trim().replace(/\s+/g, ' ')
  if (/^[+-]?(\d+[mhdw])( \d+[mhdw])*$/.test(period)) {
    const sign = period.startsWith('-') ? -1 : 1
    let total = 0
    for (const part of period.replace(/^[+-]/, '').split(' ')) {
      total += Number(part.slice(0, -1)) * PERIOD_UNIT[part.at(-1)!]!
    }
    return { ms: nowMs + sign * total, relative: true }
  }
  return undefined
}

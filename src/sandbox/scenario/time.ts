/** Vendor time formats. Every scenario time is epoch milliseconds until it is written in a vendor's format. */

export const MINUTE = 60_000
export const HOUR = 3_600_000
export const DAY = 86_400_000

/** Graph and Okta: ISO-8601 UTC with `Z` (Okta keeps milliseconds, Graph drops them). */
export function isoZ(ms: number): string {
  return new Date(ms).toISOString()
}

export function graphTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`
}

/** ServiceNow stored values: `yyyy-MM-dd HH:mm:ss`, UTC. */
export function snTime(ms: number): string {
  const iso = new Date(ms).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`
}

export function parseSnTime(s: string): Date {
  return new Date(`${s.replace(' ', 'T')}Z`)
}

/** Jira: `2026-05-15T09:00:00.000+0900`, the instant written in the site's zone (offset without a colon). */
export function jiraTime(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * MINUTE).toISOString().slice(0, 23)
  const sign = offsetMinutes < 0 ? '-' : '+'
  const abs = Math.abs(offsetMinutes)
  const hh = String(Math.floor(abs / 60)).padStart(2, '0')
  const mm = String(abs % 60).padStart(2, '0')
  return `${local}${sign}${hh}${mm}`
}

/** Parses Jira's `…+0900` (and ISO with `Z` or `+09:00`). */
export function parseJiraTime(s: string): Date {
  return new Date(s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))
}

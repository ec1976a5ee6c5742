/**
 * Vendor dates to instants. A value that carries its zone (ISO with `Z` or an offset, also Jira's `+0900`
 * without a colon) keeps it; a value without one is read with the map's `date` format in its zone (UTC by
 * default). Epoch milliseconds (JSM `epochMillis`) are accepted as numbers.
 */

export interface DateSpec {
  /** Tokens yyyy MM dd HH mm ss; every other character is literal. */
  format: string
  /** An IANA zone or "UTC". */
  zone: string
}

export interface CompiledDate {
  parse(value: unknown): Date | string
}

const TOKENS = {
  yyyy: '(\\d{4})',
  MM: '(\\d{1,2})',
  dd: '(\\d{1,2})',
  HH: '(\\d{1,2})',
  mm: '(\\d{2})',
  ss: '(\\d{2})',
}
type Token = keyof typeof TOKENS

const ISO_WITH_ZONE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})$/i
const ISO_LOCAL = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?$/

/** Throws on a format with no date tokens or a zone the runtime does not know: both are config mistakes. */
export function compileDate(spec: DateSpec | undefined): CompiledDate {
  const zone = spec?.zone ?? 'UTC'
  assertZone(zone)
  const format = spec ? compileFormat(spec.format) : null
  return {
    parse(value) {
      if (typeof value === 'number') return Number.isFinite(value) ? new Date(value) : `not a date: ${value}`
      if (value instanceof Date) return value
      if (typeof value !== 'string') return `not a date: ${JSON.stringify(value)}`
      const text = value.trim()
      const iso = ISO_WITH_ZONE.exec(text)
      if (iso) {
        const offset =
          iso[3]!.toUpperCase() === 'Z' ? 'Z' : iso[3]!.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2')
        return checked(new Date(`${iso[1]}T${iso[2]}${offset}`), text)
      }
      if (format) {
        const parts = format(text)
        if (!parts)
          return `${JSON.stringify(text)} does not match the date format ${JSON.stringify(spec!.format)}`
        return zonedToInstant(parts, zone, text)
      }
      const local = ISO_LOCAL.exec(text)
      if (local) {
        const [y, mo, d] = local[1]!.split('-').map(Number) as [number, number, number]
        const [h = 0, mi = 0, s = 0] = (local[2] ?? '').split(':').map(Number)
        return zonedToInstant(
          { y, mo, d, h, mi, s: Math.floor(s), ms: Math.round((s % 1) * 1000) },
          zone,
          text,
        )
      }
      return `not a date: ${JSON.stringify(text)} (give tickets.map.<field>.date a format)`
    },
  }
}

interface Parts {
  y: number
  mo: number
  d: number
  h: number
  mi: number
  s: number
  ms: number
}

function compileFormat(format: string): (text: string) => Parts | null {
  const order: Token[] = []
  let re = ''
  for (let i = 0; i < format.length; ) {
    const tok = (Object.keys(TOKENS) as Token[]).find((t) => format.startsWith(t, i))
    if (tok) {
      order.push(tok)
      re += TOKENS[tok]
      i += tok.length
    } else {
      re += format[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      i++
    }
  }
  for (const needed of ['yyyy', 'MM', 'dd'] as const) {
    if (!order.includes(needed)) throw new Error(`date format ${JSON.stringify(format)} has no ${needed}`)
  }
  const matcher = new RegExp(`^${re}$`)
  return (text) => {
    const m = matcher.exec(text)
    if (!m) return null
    const get = (t: Token) => {
      const i = order.indexOf(t)
      return i < 0 ? 0 : Number(m[i + 1])
    }
    return { y: get('yyyy'), mo: get('MM'), d: get('dd'), h: get('HH'), mi: get('mm'), s: get('ss'), ms: 0 }
  }
}

function assertZone(zone: string): void {
  if (zone === 'UTC') return
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
  } catch {
    throw new Error(
      `unknown time zone ${JSON.stringify(zone)} (expected an IANA zone like "Europe/Paris" or "UTC")`,
    )
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>()

/** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
function offsetAt(zone: string, instant: number): number {
  if (zone === 'UTC') return 0
  let f = formatters.get(zone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(zone, f)
  }
  const p = Object.fromEntries(f.formatToParts(new Date(instant)).map((x) => [x.type, x.value]))
  const asUtc = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!)
  return asUtc - (instant - (((instant % 1000) + 1000) % 1000))
}

/** Wall-clock parts in a zone to an instant; in a DST gap or overlap the earlier reading wins. */
function zonedToInstant(p: Parts, zone: string, text: string): Date | string {
  if (p.mo < 1 || p.mo > 12 || p.d < 1 || p.d > 31 || p.h > 23 || p.mi > 59 || p.s > 59)
    return `not a valid date: ${JSON.stringify(text)}`
  const wall = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s, p.ms)
  const probe = wall - offsetAt(zone, wall)
  const result = wall - offsetAt(zone, probe)
  const d = new Date(result)
  // Date.UTC rolls 31 February over into March: refuse it rather than shift the date.
  if (new Date(wall).getUTCDate() !== p.d) return `not a valid date: ${JSON.stringify(text)}`
  return checked(d, text)
}

function checked(d: Date, text: string): Date | string {
  return Number.isNaN(d.getTime()) ? `not a valid date: ${JSON.stringify(text)}` : d
}

import { seededRandom } from './rng.ts'

/**
 * Fault injection by rate. Each request draws once for added latency (independent of the rest) and once for
 * at most one of the disruptive kinds, so `5xx=0.05,429=0.02` means 5 % of requests answer 5xx and 2 % 429.
 */
export interface FaultSpec {
  /** Share of requests answered with the vendor's 5xx error. */
  serverError: number
  /** Share answered with the vendor's 429 (as if throttled), independent of the real rate limiter. */
  rateLimited: number
  /** Added latency and the share of requests that get it. */
  latency: { ms: number; rate: number } | null
  /** Share whose connection is reset before any response. */
  reset: number
  /** Share whose body is cut off halfway (the full Content-Length is announced, then the socket closes). */
  truncate: number
}

export type FaultKind = '5xx' | '429' | 'reset' | 'truncate'

export interface FaultDecision {
  latencyMs: number
  kind: FaultKind | null
}

export const NO_FAULTS: FaultSpec = { serverError: 0, rateLimited: 0, latency: null, reset: 0, truncate: 0 }

function parseRate(raw: string, where: string): number {
  const n = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new Error(`${where}: expected a rate between 0 and 1, got ${JSON.stringify(raw)}`)
  }
  return n
}

/**
 * Parses a `--faults` SPEC such as `5xx=0.05,429=0.02,latency=200ms@0.1,reset=0.01,truncate=0.01`.
 * An empty string means no faults. Errors name the offending item.
 */
export function parseFaultSpec(spec: string): FaultSpec {
  const out: FaultSpec = { ...NO_FAULTS }
  const trimmed = spec.trim()
  if (trimmed === '') return out
  for (const item of trimmed.split(',')) {
    const where = `--faults item ${JSON.stringify(item.trim())}`
    const eq = item.indexOf('=')
    if (eq < 0) throw new Error(`${where}: expected KIND=RATE (kinds: 5xx, 429, latency, reset, truncate)`)
    const kind = item.slice(0, eq).trim()
    const value = item.slice(eq + 1).trim()
    switch (kind) {
      case '5xx':
        out.serverError = parseRate(value, where)
        break
      case '429':
        out.rateLimited = parseRate(value, where)
        break
      case 'reset':
        out.reset = parseRate(value, where)
        break
      case 'truncate':
        out.truncate = parseRate(value, where)
        break
      case 'latency': {
        const m = /^(\d+)(ms|s)(?:@(.+))?$/.exec(value)
        if (!m) throw new Error(`${where}: expected latency=<N>ms@<rate> (e.g. latency=200ms@0.1)`)
        const ms = Number(m[1]) * (m[2] === 's' ? 1000 : 1)
        out.latency = { ms, rate: m[3] === undefined ? 1 : parseRate(m[3], where) }
        break
      }
      default:
        throw new Error(
          `${where}: unknown fault kind ${JSON.stringify(kind)} (kinds: 5xx, 429, latency, reset, truncate)`,
        )
    }
  }
  const total = out.serverError + out.rateLimited + out.reset + out.truncate
  if (total > 1)
    throw new Error(`--faults: the rates of 5xx, 429, reset and truncate add up to ${total}, more than 1`)
  return out
}

/** Draws fault decisions from a seeded RNG. */
export class FaultInjector {
  readonly spec: FaultSpec
  readonly #random: () => number
  constructor(spec: FaultSpec, seed = 1) {
    this.spec = spec
    this.#random = seededRandom(seed)
  }

  get enabled(): boolean {
    const s = this.spec
    return s.serverError + s.rateLimited + s.reset + s.truncate > 0 || (s.latency?.rate ?? 0) > 0
  }

  decide(): FaultDecision {
    if (!this.enabled) return { latencyMs: 0, kind: null }
    const s = this.spec
    const latencyMs = s.latency && this.#random() < s.latency.rate ? s.latency.ms : 0
    let u = this.#random()
    const table: [FaultKind, number][] = [
      ['5xx', s.serverError],
      ['429', s.rateLimited],
      ['reset', s.reset],
      ['truncate', s.truncate],
    ]
    for (const [kind, rate] of table) {
      if (u < rate) return { latencyMs, kind }
      u -= rate
    }
    return { latencyMs, kind: null }
  }
}

/**
 * Okta's rate limits, per endpoint bucket (vendor-apis.md 4.6). Every response carries
 * `X-Rate-Limit-Limit/Remaining/Reset` (reset in epoch seconds) for the bucket the request counted against.
 * Okta's windows are fixed (a budget per minute that resets at `Reset`), so the fastest schedule that stays
 * clear of 429s spends the budget and then waits for the reset: each bucket keeps an estimate of what is left
 * (the last reported `Remaining` minus the requests sent since), lets requests through while it lasts, and
 * holds the rest until the reset by the server's clock plus a margin. One bucket's exhaustion never slows
 * another endpoint. Some gateways (and the sandbox) refill the budget continuously instead; when a bucket runs
 * dry, one request a token's worth of time later tells the two apart (a fixed window costs that one 429 per
 * bucket), and a refilling bucket is then used at its refill rate instead of idling until it is full.
 *
 * A 429 whose `X-Rate-Limit-Limit` is 0 is Okta's concurrent-request limit (per org): the number of requests
 * in flight is then capped below what was in flight, and raised again slowly after successes.
 */
import { sleep } from '../http/sleep.ts'

/** Held back from each window: slack for other clients of the same org and for our own in-flight requests. */
const SAFETY_MARGIN = 1
/** Waiting past the reset by this much covers the 1 s granularity of `Reset` and clock skew. */
const RESET_MARGIN_MS = 1000
const MAX_NAP_MS = 250
/** When nothing is known about a bucket's reset, how long to hold an exhausted bucket. */
const UNKNOWN_RESET_WAIT_MS = 5_000

export interface BucketState {
  limit?: number
  /** Estimated requests left in the window, after the ones in flight. */
  left?: number
  /** When the window resets, in local ms. */
  resetAt?: number
  inFlight: number
}

interface Bucket extends BucketState {
  /**
   * How the budget comes back: `window` (Okta's fixed windows: all at the reset) or `refill` (a budget that
   * refills continuously, as token-bucket gateways and the sandbox do). Unknown until the first probe.
   */
  mode?: 'window' | 'refill'
  /** From the response that set `resetAt` to the reset: the length of a window, roughly. */
  resetSpanMs?: number
  lastProbeAt?: number
  /** Sequence number of the request whose response last set `left`. */
  seenSeq: number
  /** Sequence numbers of requests in flight. */
  flying: Set<number>
}

export interface RateHeaders {
  [name: string]: string | undefined
}

export interface Observation {
  status: number
  headers: RateHeaders
}

/** Okta's bucket for a path: ids of users, groups and apps are one bucket per endpoint template. */
export function bucketOf(method: string, url: string): string {
  const path = new URL(url).pathname
  const parts = path.split('/')
  for (let i = 0; i < parts.length - 1; i++) {
    if (
      parts[i - 1] === 'v1' &&
      ['users', 'groups', 'apps', 'api-tokens'].includes(parts[i]!) &&
      parts[i + 1]
    ) {
      parts[i + 1] = '{id}'
    }
  }
  return `${method.toUpperCase()} ${parts.join('/')}`
}

function num(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined
  const n = Number(v)
  return Number.isFinite(n) ? n : undefined
}

export interface RateTicket {
  /** How long this request waited for its bucket. */
  waitedMs: number
  /** Takes one attempt's response status and headers. */
  observe(o: Observation): void
  release(): void
}

export interface RateLimiterOptions {
  /** Requests in flight to the org at once (config `rateLimit.concurrency`). */
  maxConcurrency: number
  clock?: () => number
}

export class OktaRateLimiter {
  readonly #buckets = new Map<string, Bucket>()
  readonly #clock: () => number
  readonly #maxConcurrency: number
  #concurrency: number
  #inFlight = 0
  #seq = 0
  #successesSinceCut = 0
  #concurrencyWaiters: (() => void)[] = []
  /** Milliseconds spent waiting on budgets, for the run's accounting. */
  waitedMs = 0

  constructor(opts: RateLimiterOptions) {
    this.#clock = opts.clock ?? Date.now
    this.#maxConcurrency = opts.maxConcurrency
    this.#concurrency = opts.maxConcurrency
  }

  get concurrency(): number {
    return this.#concurrency
  }

  state(bucket: string): BucketState | undefined {
    const b = this.#buckets.get(bucket)
    return b && { limit: b.limit, left: b.left, resetAt: b.resetAt, inFlight: b.inFlight }
  }

  #bucket(key: string): Bucket {
    let b = this.#buckets.get(key)
    if (!b) {
      b = { inFlight: 0, seenSeq: 0, flying: new Set() }
      this.#buckets.set(key, b)
    }
    return b
  }

  /**
   * Waits for a concurrency slot and room in the bucket, then counts the request as sent. The ticket takes
   * each attempt's response (the shared client retries inside one request) and must be released once.
   */
  async acquire(key: string, signal?: AbortSignal): Promise<RateTicket> {
    const b = this.#bucket(key)
    const started = this.#clock()
    try {
      for (;;) {
        signal?.throwIfAborted()
        if (this.#inFlight >= this.#concurrency) {
          await this.#slotFreed(signal)
          continue
        }
        const wait = this.#waitFor(b)
        if (wait > 0) {
          // Short naps, re-checking: a response in the meantime may open a new window earlier.
          await sleep(Math.min(wait, MAX_NAP_MS), signal)
          continue
        }
        break
      }
    } catch (e) {
      // Leaving without the slot this request may have been woken for: hand it to the next in line, or that
      // one would wait for a release that never comes.
      if (this.#inFlight < this.#concurrency) this.#concurrencyWaiters.shift()?.()
      throw e
    }
    const waitedMs = this.#clock() - started
    this.waitedMs += waitedMs
    // Sent with the budget at its margin: a probe, whose answer says how the budget comes back.
    const probe = b.left !== undefined && b.left <= SAFETY_MARGIN
    if (probe) b.lastProbeAt = this.#clock()
    const seq = ++this.#seq
    this.#inFlight++
    b.inFlight++
    b.flying.add(seq)
    if (b.left !== undefined) b.left--
    let released = false
    return {
      waitedMs,
      observe: (o) => {
        if (probe && b.mode === undefined && !(o.status === 429 && o.headers['x-rate-limit-limit'] === '0')) {
          b.mode = o.status === 429 ? 'window' : 'refill'
        }
        this.#observe(b, seq, o)
      },
      release: () => {
        if (released) return
        released = true
        this.#inFlight--
        b.inFlight--
        b.flying.delete(seq)
        this.#concurrencyWaiters.shift()?.()
      },
    }
  }

  /**
   * Resolves when a request in flight is released; rejects when the signal aborts, so a request queued behind
   * the concurrency limit ends with its run instead of waiting for a release that an aborted run never sends.
   */
  #slotFreed(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.#concurrencyWaiters.indexOf(wake)
        if (i >= 0) this.#concurrencyWaiters.splice(i, 1)
        reject(signal!.reason)
      }
      const wake = () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      this.#concurrencyWaiters.push(wake)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** How long the bucket must wait before the next request; 0 when it may go now. */
  #waitFor(b: Bucket): number {
    const now = this.#clock()
    if (b.resetAt !== undefined && now >= b.resetAt) {
      // A new window: the budget is whole again, less what is still in flight from the old one.
      b.left = b.limit === undefined ? undefined : b.limit - b.inFlight
      b.resetAt = undefined
    }
    if (b.left === undefined || b.left > SAFETY_MARGIN) return 0
    if (b.resetAt === undefined) {
      // Exhausted with no known reset (a response without headers): wait a little and try one request.
      b.resetAt = now + UNKNOWN_RESET_WAIT_MS
    }
    if (b.mode !== 'window' && b.limit && b.resetSpanMs) {
      // Until a probe has shown fixed windows, send one request at a time, a token's worth of time apart: a
      // refilling budget has a token again by then; a fixed window answers 429 once and is waited out after.
      if (b.inFlight > 0) return MAX_NAP_MS
      const at = (b.lastProbeAt ?? b.resetAt - b.resetSpanMs) + b.resetSpanMs / b.limit
      return now >= at ? 0 : Math.min(at, b.resetAt) - now
    }
    return Math.max(1, b.resetAt - now)
  }

  #observe(b: Bucket, seq: number, o: Observation): void {
    const h = o.headers
    const limit = num(h['x-rate-limit-limit'])
    const remaining = num(h['x-rate-limit-remaining'])
    const reset = num(h['x-rate-limit-reset'])
    const now = this.#clock()
    const serverNow = h.date ? Date.parse(h.date) : Number.NaN
    // Reset is epoch seconds by the server's clock: measure it against the server's Date, then map to ours.
    const resetAt =
      reset === undefined
        ? undefined
        : now + Math.max(0, reset * 1000 - (Number.isNaN(serverNow) ? now : serverNow)) + RESET_MARGIN_MS

    if (o.status === 429 && limit === 0) {
      // Concurrent-request limit: fewer in flight from now on.
      this.#concurrency = Math.max(1, Math.min(this.#concurrency, this.#inFlight) - 1)
      this.#successesSinceCut = 0
      return
    }
    if (o.status < 400 && this.#concurrency < this.#maxConcurrency && ++this.#successesSinceCut >= 50) {
      this.#concurrency++
      this.#successesSinceCut = 0
    }
    if (limit !== undefined && limit > 0) b.limit = limit
    if (o.status === 429) {
      b.left = 0
      b.resetAt = resetAt ?? now + UNKNOWN_RESET_WAIT_MS
      b.resetSpanMs = b.resetAt - now
      b.seenSeq = Math.max(b.seenSeq, seq)
      return
    }
    if (remaining === undefined) return
    // A response older than one already applied says less than we know, unless it opens a new window.
    const newWindow = resetAt !== undefined && (b.resetAt === undefined || resetAt > b.resetAt + 500)
    if (seq < b.seenSeq && !newWindow) return
    b.seenSeq = Math.max(b.seenSeq, seq)
    let later = 0
    for (const s of b.flying) if (s > seq) later++
    b.left = remaining - later
    if (resetAt !== undefined) {
      b.resetAt = resetAt
      b.resetSpanMs = resetAt - now
    }
  }
}

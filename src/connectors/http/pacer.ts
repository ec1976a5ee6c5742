import PQueue from 'p-queue'
import type { RateSignal } from './rate-signals.ts'
import { sleep } from './sleep.ts'

export interface PacerOptions {
  /** Requests in flight to this host at once. */
  concurrency: number
  /** A configured ceiling on request starts per second; the vendor's signals can only slow it further. */
  perSecond?: number
}

/** Below this share of the window's budget left, the rest is spread evenly over the time to the reset. */
const LOW_BUDGET_SHARE = 0.2
const MAX_ADAPTIVE_SPACING_MS = 5_000

/**
 * Paces the requests to one vendor host: p-queue caps concurrency, and a small limiter on top spaces request
 * starts (p-queue cannot change its interval cap once built). The spacing adapts to what the vendor reports:
 * a shrinking remaining budget spreads the rest of the window, Graph's throttle percentage slows down before a
 * 429, and a 429's Retry-After pauses the whole host (every request to it would be refused anyway).
 */
export class HostPacer {
  readonly #queue: PQueue
  readonly #baseSpacingMs: number
  #adaptiveSpacingMs = 0
  #nextStartAt = 0
  #pausedUntil = 0

  constructor(opts: PacerOptions) {
    this.#queue = new PQueue({ concurrency: opts.concurrency })
    this.#baseSpacingMs = opts.perSecond ? 1000 / opts.perSecond : 0
  }

  /** Spacing between request starts now, in ms (for tests and diagnostics). */
  get spacingMs(): number {
    return Math.max(this.#baseSpacingMs, this.#adaptiveSpacingMs)
  }

  get pausedForMs(): number {
    return Math.max(0, this.#pausedUntil - Date.now())
  }

  /** Runs `fn` when a concurrency slot and a start slot are free; `onWait` gets the time spent waiting on pace. */
  run<T>(fn: () => Promise<T>, signal: AbortSignal | undefined, onWait: (ms: number) => void): Promise<T> {
    return this.#queue.add(
      async () => {
        await this.#startSlot(signal, onWait)
        return fn()
      },
      { signal },
    )
  }

  /** Pauses every request to the host until `ms` from now (a 429 or 503 with a wait). */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + ms)
  }

  /** Takes in a response's rate signal. `throttled` is a 429 (or a 503 that says to wait). */
  observe(s: RateSignal, throttled: boolean): void {
    if (throttled) {
      // Back off multiplicatively: we were too fast for the vendor's real budget.
      this.#adaptiveSpacingMs = Math.min(MAX_ADAPTIVE_SPACING_MS, Math.max(50, this.#adaptiveSpacingMs * 2))
      if (s.retryAfterMs !== undefined) this.pause(s.retryAfterMs)
      return
    }
    let spacing: number | undefined
    if (s.remaining !== undefined && s.resetInMs !== undefined) {
      if (s.remaining <= 0) {
        this.pause(s.resetInMs)
        spacing = this.#adaptiveSpacingMs
      } else if (s.limit === undefined || s.remaining / s.limit < LOW_BUDGET_SHARE) {
        spacing = s.resetInMs / s.remaining
      }
    }
    if (s.usedShare !== undefined && s.usedShare >= 0.8) {
      // Graph reports 0.8..1.8 once past 80% of its 10 s resource-unit bucket: slow down progressively.
      spacing = Math.max(spacing ?? 0, 50 + 1000 * (s.usedShare - 0.8))
    }
    if (spacing !== undefined) {
      this.#adaptiveSpacingMs = Math.min(MAX_ADAPTIVE_SPACING_MS, spacing)
    } else if (this.#adaptiveSpacingMs > 0) {
      // No sign of pressure: recover gradually.
      this.#adaptiveSpacingMs = this.#adaptiveSpacingMs < 5 ? 0 : this.#adaptiveSpacingMs / 2
    }
  }

  async #startSlot(signal: AbortSignal | undefined, onWait: (ms: number) => void): Promise<void> {
    for (;;) {
      const now = Date.now()
      const start = Math.max(now, this.#nextStartAt, this.#pausedUntil)
      if (start <= now) {
        this.#nextStartAt = now + this.spacingMs
        return
      }
      // Reserve the slot before sleeping so concurrent callers line up behind it; re-check after, since a
      // 429 may have paused the host meanwhile.
      this.#nextStartAt = start + this.spacingMs
      await sleep(start - now, signal)
      onWait(start - now)
      if (Date.now() >= this.#pausedUntil) return
    }
  }
}

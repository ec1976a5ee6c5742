export interface RetryOptions {
  /** Attempts in all, the first included. */
  maxAttempts: number
  /** Give up when the waits of one request would add up to more than this. */
  maxTotalWaitMs: number
  /** Backoff when the vendor gives no wait: full jitter over base * 2^(attempt-1), capped at maxDelayMs. */
  baseDelayMs: number
  maxDelayMs: number
}

export const defaultRetry: RetryOptions = {
  maxAttempts: 6,
  maxTotalWaitMs: 180_000,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
}

/** Statuses that mean "not now": throttled, unavailable, gateway timeout. Other 4xx are our mistake: no retry. */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 503, 504])

/** Connection failures worth another try ("socket hang up" is ECONNRESET; axios' response timeout is ECONNABORTED). */
export const RETRY_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EPIPE',
])

/** Full-jitter exponential backoff (AWS architecture blog): spreads retries of many clients apart. */
export function backoffMs(attempt: number, opts: RetryOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor(random() * ceiling)
}

/**
 * Whether a status may be retried for this request. 429 and 503 mean the request was not processed, so any
 * method may retry; a 504 or a dropped connection may have been processed, so only idempotent requests retry.
 */
export function mayRetryStatus(status: number, idempotent: boolean): boolean {
  if (!RETRY_STATUSES.has(status)) return false
  return status !== 504 || idempotent
}

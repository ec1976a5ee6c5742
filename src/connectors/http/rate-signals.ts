/**
 * What a response says about the vendor's rate budget, read by a per-vendor hook. The pacer uses it to slow
 * down before the budget runs out, and the retry loop uses `retryAfterMs` to wait after a 429 or 503.
 */
export interface RateSignal {
  /** How long to wait before retrying (Retry-After, or the vendor's reset header on a throttled response). */
  retryAfterMs?: number
  /** The budget of the current window and what is left of it. */
  limit?: number
  remaining?: number
  /** Milliseconds until the window resets. */
  resetInMs?: number
  /** Share of the budget already used, when the vendor says it as a share (Graph: 0.8 to 1.8). */
  usedShare?: number
}

/** Response headers with lowercased names; repeated headers are comma-joined. */
export type ResponseHeaders = Record<string, string>

export type RateSignalReader = (headers: ResponseHeaders, status: number, nowMs: number) => RateSignal

/** `Retry-After` as seconds (RFC 9110 allows only integers; decimals are accepted) or an HTTP date. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const v = value.trim()
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000)
  const at = Date.parse(v)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - nowMs)
}

function num(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const n = Number(value)
  return Number.isFinite(n) ? n : undefined
}

/** The server's clock from the `Date` header, so an epoch reset is measured against the clock that set it. */
function serverNow(headers: ResponseHeaders, nowMs: number): number {
  const d = headers.date ? Date.parse(headers.date) : Number.NaN
  return Number.isNaN(d) ? nowMs : d
}

const THROTTLED = new Set([429, 503, 504])

/** Only `Retry-After`: what every vendor sends on 429 and what a well-behaved proxy sends on 503. */
export const standardRateSignals: RateSignalReader = (h, _status, nowMs) => {
  const retryAfterMs = parseRetryAfter(h['retry-after'], nowMs)
  return retryAfterMs === undefined ? {} : { retryAfterMs }
}

/** Microsoft Graph: `Retry-After` on 429/503/504, and `x-ms-throttle-limit-percentage` once 80% is used. */
export const graphRateSignals: RateSignalReader = (h, status, nowMs) => {
  const out = standardRateSignals(h, status, nowMs)
  const used = num(h['x-ms-throttle-limit-percentage'])
  if (used !== undefined) out.usedShare = used
  return out
}

/**
 * Okta: `X-Rate-Limit-Limit/Remaining/Reset` with the reset in epoch seconds. Okta documents no Retry-After;
 * like its own SDK, wait until the reset by the server's clock plus one second.
 */
export const oktaRateSignals: RateSignalReader = (h, status, nowMs) => {
  const out: RateSignal = {}
  const limit = num(h['x-rate-limit-limit'])
  const remaining = num(h['x-rate-limit-remaining'])
  const reset = num(h['x-rate-limit-reset'])
  // A concurrent-limit 429 reports limit 0: that is no budget figure to pace by.
  if (limit !== undefined && limit > 0) out.limit = limit
  if (remaining !== undefined && limit !== 0) out.remaining = remaining
  if (reset !== undefined) out.resetInMs = Math.max(0, reset * 1000 - serverNow(h, nowMs))
  const retryAfter = parseRetryAfter(h['retry-after'], nowMs)
  if (retryAfter !== undefined) out.retryAfterMs = retryAfter
  else if (THROTTLED.has(status) && out.resetInMs !== undefined) out.retryAfterMs = out.resetInMs + 1000
  return out
}

/**
 * Jira Cloud: `Retry-After` (seconds), `X-RateLimit-Limit/Remaining`, `X-RateLimit-Reset` as an ISO-8601
 * timestamp (not epoch), and `X-RateLimit-NearLimit: true` under 20% left.
 */
export const jiraRateSignals: RateSignalReader = (h, status, nowMs) => {
  const out = standardRateSignals(h, status, nowMs)
  const limit = num(h['x-ratelimit-limit'])
  const remaining = num(h['x-ratelimit-remaining'])
  if (limit !== undefined && limit > 0) out.limit = limit
  if (remaining !== undefined) out.remaining = remaining
  const reset = h['x-ratelimit-reset'] ? Date.parse(h['x-ratelimit-reset']) : Number.NaN
  if (!Number.isNaN(reset)) out.resetInMs = Math.max(0, reset - nowMs)
  if (h['x-ratelimit-nearlimit']?.toLowerCase() === 'true' && out.usedShare === undefined) out.usedShare = 0.8
  if (out.retryAfterMs === undefined && THROTTLED.has(status) && out.resetInMs !== undefined) {
    out.retryAfterMs = out.resetInMs
  }
  return out
}

/**
 * ServiceNow: `Retry-After` on 429; `X-RateLimit-Limit` (per hour) and `X-RateLimit-Reset` (Unix seconds)
 * when a rate-limit rule matches. No remaining count is documented, so only the reset can pace.
 */
export const servicenowRateSignals: RateSignalReader = (h, status, nowMs) => {
  const out = standardRateSignals(h, status, nowMs)
  const limit = num(h['x-ratelimit-limit'])
  if (limit !== undefined && limit > 0) out.limit = limit
  const remaining = num(h['x-ratelimit-remaining'])
  if (remaining !== undefined) out.remaining = remaining
  const reset = num(h['x-ratelimit-reset'])
  if (reset !== undefined) out.resetInMs = Math.max(0, reset * 1000 - serverNow(h, nowMs))
  if (out.retryAfterMs === undefined && status === 429 && out.resetInMs !== undefined) {
    out.retryAfterMs = out.resetInMs
  }
  return out
}

/** Per-run request accounting, filled by the shared HTTP client and recorded with each stream run. */
export interface RequestStats {
  requests: number
  retries: number
  throttled: number
  rateLimitWaitMs: number
  bytes: number
  errors: number
  byEndpoint: Record<string, number>
}

export function emptyStats(): RequestStats {
  return { requests: 0, retries: 0, throttled: 0, rateLimitWaitMs: 0, bytes: 0, errors: 0, byEndpoint: {} }
}

export function addStats(into: RequestStats, from: RequestStats): void {
  into.requests += from.requests
  into.retries += from.retries
  into.throttled += from.throttled
  into.rateLimitWaitMs += from.rateLimitWaitMs
  into.bytes += from.bytes
  into.errors += from.errors
  for (const [k, v] of Object.entries(from.byEndpoint)) into.byEndpoint[k] = (into.byEndpoint[k] ?? 0) + v
}

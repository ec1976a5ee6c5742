/**
 * Token buckets. Each simulator names its buckets (Okta: one per endpoint; Graph: one per app for reads)
 * and decides how a decision becomes headers and a 429 body.
 */
export interface RateLimitRule {
  /** Bucket size: requests allowed in a burst. */
  capacity: number
  /** Time to refill the whole bucket (e.g. 60_000 for "600 per minute"). */
  windowMs: number
}

export interface RateDecision {
  allowed: boolean
  limit: number
  remaining: number
  /** When the bucket has a token again (if denied) or is full again (if allowed), epoch ms. */
  resetAtMs: number
  /** Seconds to wait before retrying (denied only), at least 1. */
  retryAfterS: number
}

export class TokenBucket {
  readonly rule: RateLimitRule
  #tokens: number
  #updated: number
  constructor(rule: RateLimitRule, nowMs: number) {
    if (!(rule.capacity > 0) || !(rule.windowMs > 0)) {
      throw new Error(`rate limit rule needs capacity > 0 and windowMs > 0, got ${JSON.stringify(rule)}`)
    }
    this.rule = rule
    this.#tokens = rule.capacity
    this.#updated = nowMs
  }

  take(nowMs: number): RateDecision {
    const { capacity, windowMs } = this.rule
    const perMs = capacity / windowMs
    this.#tokens = Math.min(capacity, this.#tokens + Math.max(0, nowMs - this.#updated) * perMs)
    this.#updated = nowMs
    if (this.#tokens >= 1) {
      this.#tokens -= 1
      const remaining = Math.floor(this.#tokens)
      return {
        allowed: true,
        limit: capacity,
        remaining,
        resetAtMs: nowMs + Math.ceil((capacity - this.#tokens) / perMs),
        retryAfterS: 0,
      }
    }
    const waitMs = Math.ceil((1 - this.#tokens) / perMs)
    return {
      allowed: false,
      limit: capacity,
      remaining: 0,
      resetAtMs: nowMs + waitMs,
      retryAfterS: Math.max(1, Math.ceil(waitMs / 1000)),
    }
  }
}

/** Named buckets created on first use from a rule looked up by name (or the default rule). */
export class RateLimiter {
  readonly #rules: Record<string, RateLimitRule>
  readonly #fallback: RateLimitRule | null
  readonly #buckets = new Map<string, TokenBucket>()
  readonly #clock: () => number
  constructor(
    rules: Record<string, RateLimitRule>,
    fallback: RateLimitRule | null,
    clock: () => number = Date.now,
  ) {
    this.#rules = rules
    this.#fallback = fallback
    this.#clock = clock
  }

  /** Takes a token from the named bucket; null when no rule covers it (unlimited). */
  take(bucket: string, ruleName = bucket): RateDecision | null {
    let b = this.#buckets.get(bucket)
    if (!b) {
      const rule = this.#rules[ruleName] ?? this.#fallback
      if (!rule) return null
      b = new TokenBucket(rule, this.#clock())
      this.#buckets.set(bucket, b)
    }
    return b.take(this.#clock())
  }

  now(): number {
    return this.#clock()
  }
}

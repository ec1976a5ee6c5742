import { describe, expect, it } from 'vitest'
import {
  backoffMs,
  defaultRetry,
  graphRateSignals,
  jiraRateSignals,
  oktaRateSignals,
  parseRetryAfter,
  servicenowRateSignals,
} from '../../../../src/connectors/http/index.ts'

const NOW = Date.parse('2026-11-29T10:00:00Z')

describe('src/connectors/http/rate-signals', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7000)
    expect(parseRetryAfter('Sun, 29 Nov 2026 10:00:30 GMT', NOW)).toBe(30_000)
    expect(parseRetryAfter('Sun, 29 Nov 2026 09:00:00 GMT', NOW)).toBe(0)
    expect(parseRetryAfter('soon', NOW)).toBeUndefined()
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined()
  })

  it('Graph: Retry-After and the throttle percentage', () => {
    expect(
      graphRateSignals({ 'retry-after': '3', 'x-ms-throttle-limit-percentage': '1.1' }, 429, NOW),
    ).toEqual({
      retryAfterMs: 3000,
      usedShare: 1.1,
    })
  })

  it('Okta: epoch reset measured against the server Date header, plus a second on 429', () => {
    const h = {
      date: 'Sun, 29 Nov 2026 09:59:50 GMT', // server clock 10 s behind ours
      'x-rate-limit-limit': '600',
      'x-rate-limit-remaining': '0',
      'x-rate-limit-reset': String(Date.parse('2026-11-29T10:00:00Z') / 1000),
    }
    expect(oktaRateSignals(h, 429, NOW)).toEqual({
      limit: 600,
      remaining: 0,
      resetInMs: 10_000,
      retryAfterMs: 11_000,
    })
    // A concurrent-limit 429 reports limit 0: no budget figure to pace by.
    const concurrent = oktaRateSignals({ ...h, 'x-rate-limit-limit': '0' }, 429, NOW)
    expect(concurrent.limit).toBeUndefined()
    expect(concurrent.remaining).toBeUndefined()
    expect(concurrent.retryAfterMs).toBe(11_000)
  })

  it('Jira: ISO-8601 reset, remaining budget and the near-limit flag', () => {
    const s = jiraRateSignals(
      {
        'x-ratelimit-limit': '100',
        'x-ratelimit-remaining': '5',
        'x-ratelimit-reset': '2026-11-29T10:01Z',
        'x-ratelimit-nearlimit': 'true',
      },
      200,
      NOW,
    )
    expect(s).toEqual({ limit: 100, remaining: 5, resetInMs: 60_000, usedShare: 0.8 })
    expect(jiraRateSignals({ 'x-ratelimit-reset': '2026-11-29T10:01Z' }, 429, NOW).retryAfterMs).toBe(60_000)
  })

  it('ServiceNow: Retry-After on 429, reset in Unix seconds', () => {
    const s = servicenowRateSignals(
      { 'retry-after': '12', 'x-ratelimit-limit': '1000', 'x-ratelimit-reset': String(NOW / 1000 + 600) },
      429,
      NOW,
    )
    expect(s).toEqual({ retryAfterMs: 12_000, limit: 1000, resetInMs: 600_000 })
  })

  it('backoff is full jitter under an exponential ceiling', () => {
    expect(backoffMs(1, defaultRetry, () => 0.999)).toBeLessThan(500)
    expect(backoffMs(4, defaultRetry, () => 0.999)).toBeGreaterThan(3900)
    expect(backoffMs(20, defaultRetry, () => 0.999)).toBeLessThanOrEqual(30_000)
    expect(backoffMs(3, defaultRetry, () => 0)).toBe(0)
  })
})

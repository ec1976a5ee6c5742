import { describe, expect, it } from 'vitest'
import { bucketOf, OktaRateLimiter } from '../../../../src/connectors/okta/rate-limit.ts'

const ORG = 'https://acme.okta.example'

function headers(limit: number, remaining: number, resetAtMs: number, serverNowMs: number) {
  return {
    'x-rate-limit-limit': String(limit),
    'x-rate-limit-remaining': String(remaining),
    'x-rate-limit-reset': String(Math.floor(resetAtMs / 1000)),
    date: new Date(serverNowMs).toUTCString(),
  }
}

describe('okta rate buckets', () => {
  it('puts every id of an endpoint into one bucket', () => {
    expect(bucketOf('GET', `${ORG}/api/v1/groups/00g1/users?limit=1000`)).toBe(
      'GET /api/v1/groups/{id}/users',
    )
    expect(bucketOf('get', `${ORG}/api/v1/groups/00g2/users`)).toBe('GET /api/v1/groups/{id}/users')
    expect(bucketOf('GET', `${ORG}/api/v1/apps/0oa1/groups`)).toBe('GET /api/v1/apps/{id}/groups')
    expect(bucketOf('GET', `${ORG}/api/v1/users?search=x`)).toBe('GET /api/v1/users')
    expect(bucketOf('GET', `${ORG}/api/v1/iam/assignees/users`)).toBe('GET /api/v1/iam/assignees/users')
  })

  it('spends the window, counting requests in flight, then probes once and waits out a fixed window', async () => {
    let now = 1_000_000_000_000
    const rl = new OktaRateLimiter({ maxConcurrency: 8, clock: () => now })
    const b = 'GET /api/v1/users'
    // The first response: 5 left, reset in 60 s.
    const t1 = await rl.acquire(b)
    t1.observe({ status: 200, headers: headers(600, 5, now + 60_000, now) })
    t1.release()
    expect(rl.state(b)?.left).toBe(5)
    // Three go out together: the estimate drops before any answer comes back.
    const flying = [await rl.acquire(b), await rl.acquire(b), await rl.acquire(b)]
    expect(rl.state(b)?.left).toBe(2)
    // An answer for the first of them says 4 left: the two later ones in flight still count.
    flying[0]!.observe({ status: 200, headers: headers(600, 4, now + 60_000, now) })
    expect(rl.state(b)?.left).toBe(2)
    for (const f of flying) f.release()
    ;(await rl.acquire(b)).release()
    // At the margin: one probe, a token's worth of time (60 s / 600) later.
    let probed = false
    const probe = rl.acquire(b).then((t) => {
      probed = true
      return t
    })
    await new Promise((r) => setTimeout(r, 20))
    expect(probed).toBe(false)
    now += 150
    const p = await probe
    // Okta's fixed window refuses it: from now on the bucket waits for the reset.
    p.observe({ status: 429, headers: headers(600, 0, now + 59_000, now) })
    p.release()
    let acquired = false
    const pending = rl.acquire(b).then((t) => {
      acquired = true
      t.release()
    })
    now += 30_000
    await new Promise((r) => setTimeout(r, 300))
    expect(acquired).toBe(false)
    now += 30_100 // past the reset plus the margin
    await pending
    expect(acquired).toBe(true)
  })

  it('uses a budget that refills continuously at its refill rate, one request at a time', async () => {
    let now = 1_000_000_000_000
    const rl = new OktaRateLimiter({ maxConcurrency: 8, clock: () => now })
    const b = 'GET /api/v1/groups/{id}/users'
    const t = await rl.acquire(b)
    // Exhausted; a token bucket reports when it is full again: 60 s away.
    t.observe({ status: 200, headers: headers(600, 0, now + 60_000, now) })
    t.release()
    now += 110
    const probe = await rl.acquire(b)
    probe.observe({ status: 200, headers: headers(600, 0, now + 60_000, now) })
    probe.release()
    // Refill mode: the next request goes a token's worth (100 ms) after the last, not a minute later.
    let sent = false
    const next = rl.acquire(b).then((x) => {
      sent = true
      x.release()
    })
    await new Promise((r) => setTimeout(r, 20))
    expect(sent).toBe(false)
    now += 110
    await next
    expect(sent).toBe(true)
  })

  it('measures the reset against the server clock, not ours', async () => {
    const now = 1_000_000_000_000
    const rl = new OktaRateLimiter({ maxConcurrency: 4, clock: () => now })
    const t = await rl.acquire('GET /api/v1/logs')
    // The server is an hour ahead; its reset is 5 s away by its own clock.
    t.observe({ status: 200, headers: headers(60, 0, now + 3_600_000 + 5_000, now + 3_600_000) })
    t.release()
    const reset = rl.state('GET /api/v1/logs')!.resetAt!
    expect(reset - now).toBeGreaterThanOrEqual(5_000)
    expect(reset - now).toBeLessThanOrEqual(7_000)
  })

  it('lowers concurrency after a concurrent-limit 429 (X-Rate-Limit-Limit: 0)', async () => {
    const rl = new OktaRateLimiter({ maxConcurrency: 6 })
    const tickets = await Promise.all(
      Array.from({ length: 4 }, () => rl.acquire('GET /api/v1/apps/{id}/users')),
    )
    tickets[3]!.observe({
      status: 429,
      headers: { 'x-rate-limit-limit': '0', 'x-rate-limit-remaining': '0' },
    })
    expect(rl.concurrency).toBe(3)
    for (const t of tickets) t.release()
    // Other endpoints' budgets are untouched by a concurrency 429.
    expect(rl.state('GET /api/v1/apps/{id}/users')?.left).toBeUndefined()
  })

  it('ends every request queued behind the concurrency limit when its run aborts', async () => {
    // The bug this guards: each release woke one waiter, a woken waiter saw the abort and left without the
    // slot, and the rest waited forever, so a daemon's shutdown hung on an early SIGTERM.
    const rl = new OktaRateLimiter({ maxConcurrency: 2 })
    const b = 'GET /api/v1/groups/{id}/users'
    const held = [await rl.acquire(b), await rl.acquire(b)]
    const ac = new AbortController()
    const queued = Array.from({ length: 5 }, () => rl.acquire(b, ac.signal))
    const outcomes = Promise.allSettled(queued)
    ac.abort(new Error('shutdown'))
    for (const t of held) t.release()
    const settled = await outcomes
    expect(settled.map((s) => s.status)).toEqual(Array(5).fill('rejected'))
    expect((settled[0] as PromiseRejectedResult).reason).toEqual(new Error('shutdown'))
    // The slots the aborted requests never took are free for a later run.
    const next = await Promise.race([
      Promise.all([rl.acquire(b), rl.acquire(b)]),
      new Promise((r) => setTimeout(() => r('stuck'), 1000)),
    ])
    expect(next).not.toBe('stuck')
  })

  it('hands a freed slot on when the request woken for it has been aborted', async () => {
    const rl = new OktaRateLimiter({ maxConcurrency: 1 })
    const b = 'GET /api/v1/users'
    const held = await rl.acquire(b)
    const ac = new AbortController()
    const aborted = rl.acquire(b, ac.signal)
    const other = rl.acquire(b)
    aborted.catch(() => {})
    ac.abort(new Error('run stopped'))
    held.release()
    await expect(aborted).rejects.toThrow('run stopped')
    const t = await Promise.race([other, new Promise((r) => setTimeout(() => r('stuck'), 1000))])
    expect(t).not.toBe('stuck')
  })
})

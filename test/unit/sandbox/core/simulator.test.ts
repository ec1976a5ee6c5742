import https from 'node:https'
import { afterEach, describe, expect, it } from 'vitest'
import {
  callControl,
  FaultInjector,
  generateTlsMaterial,
  json,
  parseFaultSpec,
  ReplyError,
  Router,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
  TokenBucket,
  type VendorBehaviour,
} from '../../../../src/sandbox/core/index.ts'

function toyVendor(): VendorBehaviour {
  const things = [{ id: 1 }, { id: 2 }]
  const router = new Router()
    .get('/things', () => json(200, things))
    .get('/things/:id', (ctx) => {
      const t = things.find((x) => String(x.id) === ctx.params.id)
      if (!t) throw new ReplyError(json(404, { error: 'no such thing' }))
      return json(200, t)
    })
    .get('/big', () => json(200, { data: 'x'.repeat(10_000) }))
  return {
    name: 'toy',
    router,
    rateLimits: { default: { capacity: 3, windowMs: 60_000 } },
    rateBucket: (ctx) => ({ bucket: ctx.endpoint, rule: 'default' }),
    rateHeaders: (d) => ({ 'x-limit': String(d.limit), 'x-remaining': String(d.remaining) }),
    throttled: (d) => json(429, { error: 'slow down' }, { 'retry-after': String(d.retryAfterS) }),
    serverError: () => json(503, { error: 'unavailable' }),
    notFound: () => json(404, { error: 'no route' }),
    methodNotAllowed: () => json(405, { error: 'method' }),
    badRequest: (_ctx, m) => json(400, { error: m }),
    control: { addThing: (args: { id: number }) => things.push({ id: args.id }) },
  }
}

let sim: Simulator | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

async function start(opts: SimulatorOptions = {}) {
  sim = await startSimulator(toyVendor(), opts)
  return sim
}

describe('src/sandbox/core: fault spec', () => {
  it('parses every kind', () => {
    expect(parseFaultSpec('5xx=0.05,429=0.02,latency=200ms@0.1,reset=0.01,truncate=0.01')).toEqual({
      serverError: 0.05,
      rateLimited: 0.02,
      latency: { ms: 200, rate: 0.1 },
      reset: 0.01,
      truncate: 0.01,
    })
    expect(parseFaultSpec('')).toMatchObject({ serverError: 0, latency: null })
    expect(parseFaultSpec('latency=2s').latency).toEqual({ ms: 2000, rate: 1 })
  })

  it('names the bad item', () => {
    expect(() => parseFaultSpec('5xx=0.05,bogus=1')).toThrow(/"bogus=1".*unknown fault kind "bogus"/)
    expect(() => parseFaultSpec('5xx=1.5')).toThrow(/"5xx=1.5".*between 0 and 1/)
    expect(() => parseFaultSpec('latency=fast')).toThrow(/latency=<N>ms@<rate>/)
    expect(() => parseFaultSpec('5xx=0.6,429=0.6')).toThrow(/add up to 1.2/)
  })

  it('draws the configured shares from a seeded RNG, replayably', () => {
    const spec = parseFaultSpec('5xx=0.1,429=0.05,reset=0.05')
    const a = new FaultInjector(spec, 42)
    const b = new FaultInjector(spec, 42)
    const kindsA = Array.from({ length: 10_000 }, () => a.decide().kind)
    const kindsB = Array.from({ length: 10_000 }, () => b.decide().kind)
    expect(kindsA).toEqual(kindsB)
    const share = (k: string) => kindsA.filter((x) => x === k).length / 10_000
    expect(share('5xx')).toBeGreaterThan(0.08)
    expect(share('5xx')).toBeLessThan(0.12)
    expect(share('429')).toBeGreaterThan(0.035)
    expect(share('429')).toBeLessThan(0.065)
  })
})

describe('src/sandbox/core: token bucket', () => {
  it('allows a burst, refuses when empty, refills over the window', () => {
    const b = new TokenBucket({ capacity: 2, windowMs: 1000 }, 0)
    expect(b.take(0)).toMatchObject({ allowed: true, remaining: 1 })
    expect(b.take(0)).toMatchObject({ allowed: true, remaining: 0 })
    const denied = b.take(0)
    expect(denied).toMatchObject({ allowed: false, remaining: 0, retryAfterS: 1, resetAtMs: 500 })
    expect(b.take(500)).toMatchObject({ allowed: true })
  })
})

describe('src/sandbox/core: simulator', () => {
  it('routes, counts per endpoint and answers the vendor 404', async () => {
    const s = await start()
    expect(await (await fetch(`${s.url}/things`)).json()).toEqual([{ id: 1 }, { id: 2 }])
    const one = await fetch(`${s.url}/things/2`)
    expect(await one.json()).toEqual({ id: 2 })
    const missing = await fetch(`${s.url}/things/9`)
    expect(missing.status).toBe(404)
    expect(await missing.json()).toEqual({ error: 'no such thing' })
    expect((await fetch(`${s.url}/nowhere`)).status).toBe(404)
    expect((await fetch(`${s.url}/things`, { method: 'DELETE' })).status).toBe(405)
    expect(s.counter.get('GET /things')).toBe(1)
    expect(s.counter.get('GET /things/:id')).toBe(2)
  })

  it('rate limits per bucket with the vendor headers and 429', async () => {
    const s = await start()
    const statuses: number[] = []
    let last: Response | undefined
    for (let i = 0; i < 4; i++) {
      last = await fetch(`${s.url}/things`)
      statuses.push(last.status)
    }
    expect(statuses).toEqual([200, 200, 200, 429])
    expect(last!.headers.get('retry-after')).toBe('20')
    expect(last!.headers.get('x-remaining')).toBe('0')
    expect(await last!.json()).toEqual({ error: 'slow down' })
    // Another endpoint has its own bucket.
    expect((await fetch(`${s.url}/things/1`)).status).toBe(200)
  })

  it('rate limits can be overridden at start', async () => {
    const s = await start({ rateLimits: { default: { capacity: 1, windowMs: 1000 } } })
    expect((await fetch(`${s.url}/things`)).status).toBe(200)
    const r = await fetch(`${s.url}/things`)
    expect(r.status).toBe(429)
    expect(r.headers.get('retry-after')).toBe('1')
  })

  it('injects 5xx and 429 with the vendor bodies', async () => {
    const s = await start({ faults: '5xx=1' })
    const r = await fetch(`${s.url}/things`)
    expect(r.status).toBe(503)
    expect(await r.json()).toEqual({ error: 'unavailable' })
    s.setFaults('429=1')
    const t = await fetch(`${s.url}/things/1`)
    expect(t.status).toBe(429)
    expect(t.headers.get('retry-after')).toBe('1')
  })

  it('injects latency', async () => {
    const s = await start({ faults: 'latency=150ms@1' })
    const t0 = performance.now()
    expect((await fetch(`${s.url}/things`)).status).toBe(200)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140)
  })

  it('injects connection resets', async () => {
    const s = await start({ faults: 'reset=1' })
    const err = await fetch(`${s.url}/things`).then(
      () => null,
      (e: Error) => e,
    )
    expect(err).toBeInstanceOf(TypeError)
    expect(String((err as Error & { cause?: unknown }).cause)).toMatch(/socket|closed|reset/i)
  })

  it('injects truncated bodies: full Content-Length announced, half sent', async () => {
    const s = await start({ faults: 'truncate=1' })
    const res = await fetch(`${s.url}/big`)
    expect(res.status).toBe(200)
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(10_000)
    await expect(res.text()).rejects.toThrow()
  })

  it('serves the control handle in process and over /_control', async () => {
    const s = await start()
    s.control.addThing!({ id: 3 })
    await callControl(s.url, 'addThing', { id: 4 })
    expect(((await (await fetch(`${s.url}/things`)).json()) as unknown[]).length).toBe(4)
    await expect(callControl(s.url, 'nope')).rejects.toThrow(
      /unknown control operation "nope"; known: .*addThing/,
    )
    const counts = (await (await fetch(`${s.url}/_control/counts`)).json()) as { result: { total: number } }
    expect(counts.result.total).toBe(1)
    await callControl(s.url, 'setFaults', { spec: '5xx=1' })
    expect((await fetch(`${s.url}/things`)).status).toBe(503)
  })

  it('serves HTTPS with a certificate signed by the generated CA', async () => {
    const tls = await generateTlsMaterial()
    const s = await start({ tls })
    expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const get = (ca?: string) =>
      new Promise<number>((resolve, reject) => {
        https
          .get(`${s.url}/things`, { ca }, (res) => {
            res.resume()
            resolve(res.statusCode ?? 0)
          })
          .on('error', reject)
      })
    expect(await get(tls.caCert)).toBe(200)
    await expect(get()).rejects.toThrow(/self-signed|unable to verify|certificate/i)
  })
})

import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  type AuthProvider,
  createHttpClient,
  emptyStats,
  graphRateSignals,
  HttpError,
  oktaRateSignals,
  PayloadError,
  UrlPolicyError,
} from '../../../../src/connectors/http/index.ts'
import { registerSecret } from '../../../../src/core/redact.ts'
import { useHttpMock } from '../../../helpers/http-mock.ts'

const BASE = 'https://api.example.test'
const fastRetry = { baseDelayMs: 10, maxDelayMs: 40 }

function client(extra: Partial<Parameters<typeof createHttpClient>[0]> = {}) {
  return createHttpClient({ name: 'test', baseUrl: `${BASE}/v1`, retry: fastRetry, ...extra })
}

describe('src/connectors/http/client', () => {
  useHttpMock()

  it('joins paths to the base URL, sends params, parses JSON and counts the request', async () => {
    nock(BASE)
      .get('/v1/users')
      .query({ $select: 'id,mail', $top: '2' })
      .reply(200, { value: [1, 2] })
    const http = client()
    const stream = emptyStats()
    const res = await http.request<{ value: number[] }>('/users', {
      params: { $select: 'id,mail', $top: 2, skip: undefined },
      stats: stream,
    })
    expect(res.data.value).toEqual([1, 2])
    expect(stream.requests).toBe(1)
    expect(stream.byEndpoint).toEqual({ 'GET /users': 1 })
    expect(stream.bytes).toBe(JSON.stringify({ value: [1, 2] }).length)
    expect(http.stats.requests).toBe(1)
  })

  it('labels endpoints with ids replaced so accounting stays low-cardinality', async () => {
    const id1 = '4562bcc8-5a3e-4e3a-9f1e-2f1d1a0b0c01'
    const id2 = '9a2b0000-5a3e-4e3a-9f1e-2f1d1a0b0c02'
    nock(BASE).get(`/v1/groups/${id1}/members`).reply(200, {}).get(`/v1/groups/${id2}/members`).reply(200, {})
    const http = client()
    await http.request(`/groups/${id1}/members`)
    await http.request(`/groups/${id2}/members`)
    expect(http.stats.byEndpoint).toEqual({ 'GET /groups/{id}/members': 2 })
  })

  it('retries a 429 after its Retry-After seconds and counts the throttle and the wait', async () => {
    nock(BASE)
      .get('/v1/x')
      .reply(429, { error: { code: 'TooManyRequests' } }, { 'Retry-After': '1' })
      .get('/v1/x')
      .reply(200, { ok: true })
    const http = client({ rateSignals: graphRateSignals })
    const t0 = Date.now()
    const res = await http.request('/x')
    expect(res.data).toEqual({ ok: true })
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950)
    expect(http.stats.throttled).toBe(1)
    expect(http.stats.retries).toBe(1)
    expect(http.stats.rateLimitWaitMs).toBeGreaterThanOrEqual(900)
  })

  it('a 429 pauses the whole host: a request started meanwhile waits too', async () => {
    let secondAt = 0
    nock(BASE)
      .get('/v1/a')
      .reply(429, {}, { 'Retry-After': '1' })
      .get('/v1/a')
      .reply(200, {})
      .get('/v1/b')
      .reply(() => {
        secondAt = Date.now()
        return [200, {}]
      })
    const http = client()
    const t0 = Date.now()
    const first = http.request('/a')
    await new Promise((r) => setTimeout(r, 100))
    await Promise.all([first, http.request('/b')])
    expect(secondAt - t0).toBeGreaterThanOrEqual(900)
    expect(http.stats.rateLimitWaitMs).toBeGreaterThanOrEqual(1500)
  })

  it('accepts Retry-After as an HTTP date', async () => {
    const at = new Date(Date.now() + 1500).toUTCString()
    nock(BASE).get('/v1/x').reply(503, '', { 'Retry-After': at }).get('/v1/x').reply(200, {})
    const t0 = Date.now()
    await client().request('/x')
    // HTTP dates have whole seconds: the wait is 0.5 to 1.5 s.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400)
  })

  it('backs off without Retry-After and gives up at the attempt cap with a clear error', async () => {
    nock(BASE)
      .get('/v1/x')
      .times(3)
      .reply(503, { error: { code: 'serviceNotAvailable', message: 'busy' } })
    const http = client({ retry: { ...fastRetry, maxAttempts: 3 } })
    const err = await http.request('/x').catch((e) => e)
    expect(err).toBeInstanceOf(HttpError)
    expect(err.status).toBe(503)
    expect(err.vendorCode).toBe('serviceNotAvailable')
    expect(err.message).toContain('gave up after 3 attempts')
    expect(http.stats.retries).toBe(2)
    expect(http.stats.errors).toBe(1)
  })

  it('gives up when Retry-After exceeds the total wait cap instead of sleeping for it', async () => {
    nock(BASE).get('/v1/x').reply(429, {}, { 'Retry-After': '3600' })
    const http = client({ retry: { ...fastRetry, maxTotalWaitMs: 5_000 } })
    const t0 = Date.now()
    const err = await http.request('/x').catch((e) => e)
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(err).toBeInstanceOf(HttpError)
    expect(err.status).toBe(429)
  })

  it('does not retry other 4xx', async () => {
    nock(BASE)
      .get('/v1/x')
      .reply(403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges' } })
    const http = client()
    const err = await http.request('/x').catch((e) => e)
    expect(err.status).toBe(403)
    expect(err.vendorCode).toBe('Authorization_RequestDenied')
    expect(err.message).toContain('Insufficient privileges')
    expect(http.stats.retries).toBe(0)
  })

  it('retries a 504 for GET but not for a non-idempotent POST', async () => {
    nock(BASE).get('/v1/x').reply(504).get('/v1/x').reply(200, {}).post('/v1/y').reply(504)
    const http = client()
    await expect(http.request('/x')).resolves.toMatchObject({ status: 200 })
    await expect(http.request('/y', { method: 'POST', body: {} })).rejects.toMatchObject({ status: 504 })
  })

  it('retries connection resets', async () => {
    nock(BASE)
      .get('/v1/x')
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .get('/v1/x')
      .reply(200, { ok: 1 })
    const http = client()
    await expect(http.request('/x')).resolves.toMatchObject({ data: { ok: 1 } })
    expect(http.stats.retries).toBe(1)
  })

  it('retries a response timeout and then reports it', async () => {
    nock(BASE).get('/v1/slow').times(2).delay(300).reply(200, {})
    const http = client({ timeoutMs: 100, retry: { ...fastRetry, maxAttempts: 2 } })
    const err = await http.request('/slow').catch((e) => e)
    expect(err).toBeInstanceOf(HttpError)
    expect(err.message).toMatch(/timeout/i)
    expect(err.attempts).toBe(2)
  })

  it('refreshes the token once on 401 and retries with the new one', async () => {
    let token = 'old-token-value'
    const auth: AuthProvider = {
      getAuthHeader: async () => `Bearer ${token}`,
      refresh: async () => {
        token = 'new-token-value'
      },
    }
    nock(BASE)
      .get('/v1/x')
      .matchHeader('authorization', 'Bearer old-token-value')
      .reply(401)
      .get('/v1/x')
      .matchHeader('authorization', 'Bearer new-token-value')
      .reply(200, { ok: true })
    await expect(client({ auth }).request('/x')).resolves.toMatchObject({ data: { ok: true } })
  })

  it('fails after one refresh when the token is still refused', async () => {
    const auth: AuthProvider = { getAuthHeader: async () => 'Bearer t0k3n-x', refresh: async () => {} }
    nock(BASE)
      .get('/v1/x')
      .times(2)
      .reply(401, { error: { code: 'InvalidAuthenticationToken' } })
    await expect(client({ auth }).request('/x')).rejects.toMatchObject({ status: 401 })
  })

  it('keeps secrets out of errors: no Authorization header, no registered secret, no request config', async () => {
    const secret = 'sUp3r-s3cret-t0ken-abcdef'
    registerSecret(secret)
    nock(BASE)
      .get('/v1/x')
      .query(true)
      .reply(400, { error: { code: 'badRequest', message: `token ${secret} is malformed` } })
    const err = await client({
      auth: { getAuthHeader: async () => `Bearer ${secret}`, refresh: async () => {} },
    })
      .request('/x', { params: { access_token: secret } })
      .catch((e) => e)
    expect(err).toBeInstanceOf(HttpError)
    const everything = [
      err.message,
      err.stack,
      JSON.stringify(err),
      JSON.stringify(err.body),
      JSON.stringify(err.headers),
      err.url,
      String(err.cause ?? ''),
    ].join('\n')
    expect(everything).not.toContain(secret)
    expect(everything).not.toMatch(/authorization/i)
    expect(err).not.toHaveProperty('config')
    expect(err).not.toHaveProperty('request')
  })

  it('refuses absolute URLs to another origin and plain http to non-loopback hosts', async () => {
    const http = client()
    await expect(http.request('https://evil.example.test/x')).rejects.toBeInstanceOf(UrlPolicyError)
    expect(() => createHttpClient({ name: 't', baseUrl: 'http://api.example.test' })).toThrow(/plain http/)
    expect(() => createHttpClient({ name: 't', baseUrl: 'http://127.0.0.1:8080' })).not.toThrow()
  })

  it('does not follow redirects (they could lead anywhere)', async () => {
    nock(BASE).get('/v1/x').reply(302, '', { Location: 'https://evil.example.test/' })
    await expect(client().request('/x')).rejects.toMatchObject({ status: 302 })
  })

  it('hands back accepted error statuses as responses', async () => {
    nock(BASE)
      .get('/v1/x')
      .reply(410, '', { Location: `${BASE}/v1/x?restart` })
    const res = await client().request('/x', { acceptStatus: [410] })
    expect(res.status).toBe(410)
    expect(res.headers.location).toBe(`${BASE}/v1/x?restart`)
  })

  it('reports invalid JSON and validates bodies with zod naming the field', async () => {
    nock(BASE)
      .get('/v1/bad')
      .reply(200, '{"value": [', { 'Content-Type': 'application/json' })
      .get('/v1/shape')
      .reply(200, { value: 'nope' })
    const http = client()
    await expect(http.request('/bad')).rejects.toThrow(/not valid JSON/)
    const err = await http.getJson('/shape', z.object({ value: z.array(z.unknown()) })).catch((e) => e)
    expect(err).toBeInstanceOf(PayloadError)
    expect(err.message).toMatch(/value:/)
    expect(err.message).toContain('/v1/shape')
  })

  it('aborts a waiting request promptly', async () => {
    nock(BASE).get('/v1/x').reply(429, {}, { 'Retry-After': '20' })
    const ac = new AbortController()
    const http = client()
    const t0 = Date.now()
    const p = http.request('/x', { signal: ac.signal })
    setTimeout(() => ac.abort(new Error('shutting down')), 200)
    await expect(p).rejects.toThrow('shutting down')
    expect(Date.now() - t0).toBeLessThan(2000)
  })

  it('caps concurrency per host', async () => {
    let inFlight = 0
    let peak = 0
    nock(BASE)
      .get('/v1/x')
      .times(6)
      .reply(async () => {
        inFlight++
        peak = Math.max(peak, inFlight)
        await new Promise((r) => setTimeout(r, 30))
        inFlight--
        return [200, {}]
      })
    const http = client({ rateLimit: { concurrency: 2 } })
    await Promise.all(Array.from({ length: 6 }, () => http.request('/x')))
    expect(peak).toBe(2)
  })

  it('paces request starts to the configured rate', async () => {
    nock(BASE).get('/v1/x').times(5).reply(200, {})
    const http = client({ rateLimit: { concurrency: 5, perSecond: 20 } })
    const t0 = Date.now()
    await Promise.all(Array.from({ length: 5 }, () => http.request('/x')))
    // Five starts 50 ms apart: at least 200 ms.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190)
  })

  it('slows down when the remaining budget runs low, before any 429', async () => {
    const reset = () => String(Math.ceil(Date.now() / 1000) + 1)
    nock(BASE).get('/v1/x').reply(200, [], {
      'X-Rate-Limit-Limit': '100',
      'X-Rate-Limit-Remaining': '2',
      'X-Rate-Limit-Reset': reset(),
    })
    const http = client({ rateSignals: oktaRateSignals })
    expect(http.pacer.spacingMs).toBe(0)
    await http.request('/x')
    // Two requests left for up to a second: spread them.
    expect(http.pacer.spacingMs).toBeGreaterThan(100)
  })

  it('pauses the host when Graph reports throttle pressure', async () => {
    nock(BASE).get('/v1/x').reply(200, {}, { 'x-ms-throttle-limit-percentage': '1.2' })
    const http = client({ rateSignals: graphRateSignals })
    await http.request('/x')
    expect(http.pacer.spacingMs).toBeGreaterThanOrEqual(400)
  })
})

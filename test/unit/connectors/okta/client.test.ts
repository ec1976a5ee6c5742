import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { emptyStats } from '../../../../src/connectors/http/stats.ts'
import { createOktaClient } from '../../../../src/connectors/okta/client.ts'
import { OktaConfig } from '../../../../src/connectors/okta/config.ts'
import { silentLogger } from '../../../../src/core/logger.ts'
import { useHttpMock } from '../../../helpers/http-mock.ts'

useHttpMock()

const ORG = 'https://acme.okta.example'
const TOKEN = 'ssws-token-never-in-errors'

function client(extra: Record<string, unknown> = {}, overrides?: Parameters<typeof createOktaClient>[2]) {
  return createOktaClient(
    OktaConfig.parse({
      id: 'okta',
      kind: 'okta',
      orgUrl: ORG,
      auth: { type: 'ssws', token: TOKEN },
      ...extra,
    }),
    silentLogger(),
    overrides,
  )
}

async function collect(c: ReturnType<typeof client>, path: string, params?: Record<string, string | number>) {
  const ids: string[] = []
  for await (const p of c.pages(path, {
    params,
    stats: emptyStats(),
    signal: new AbortController().signal,
  })) {
    ids.push(...(p.items as { id: string }[]).map((i) => i.id))
  }
  return ids
}

function rate(remaining: number, resetInS = 60) {
  const now = Date.now()
  return {
    'x-rate-limit-limit': '600',
    'x-rate-limit-remaining': String(remaining),
    'x-rate-limit-reset': String(Math.floor(now / 1000) + resetInS),
    date: new Date(now).toUTCString(),
  }
}

describe('okta client paging', () => {
  it('follows Link rel="next" sent as separate link header lines', async () => {
    nock(ORG)
      .get('/api/v1/users')
      .query({ limit: '2' })
      .matchHeader('authorization', `SSWS ${TOKEN}`)
      .reply(200, [{ id: 'a' }, { id: 'b' }], {
        ...rate(599),
        link: [
          `<${ORG}/api/v1/users?limit=2>; rel="self"`,
          `<${ORG}/api/v1/users?after=b&limit=2>; rel="next"`,
        ],
      })
      .get('/api/v1/users')
      .query({ after: 'b', limit: '2' })
      .reply(200, [{ id: 'c' }], { ...rate(598), link: `<${ORG}/api/v1/users?after=b&limit=2>; rel="self"` })
    expect(await collect(client(), '/api/v1/users', { limit: 2 })).toEqual(['a', 'b', 'c'])
  })

  it('follows a next link inside one comma-joined Link header, whatever the order of rels', async () => {
    nock(ORG)
      .get('/api/v1/groups')
      .reply(200, [{ id: 'g1' }], {
        ...rate(599),
        link: `<${ORG}/api/v1/groups?after=g1&limit=1>; rel="next", <${ORG}/api/v1/groups>; rel="self"`,
      })
      .get('/api/v1/groups')
      .query({ after: 'g1', limit: '1' })
      .reply(200, [{ id: 'g2' }], rate(598))
    expect(await collect(client(), '/api/v1/groups')).toEqual(['g1', 'g2'])
  })

  it('refuses a next link to another origin and never sends the token there', async () => {
    nock(ORG)
      .get('/api/v1/apps')
      .reply(200, [{ id: 'x' }], {
        ...rate(599),
        link: '<https://evil.example/api/v1/apps?after=x>; rel="next"',
      })
    const err = await collect(client(), '/api/v1/apps').catch((e: Error) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toMatch(/refusing to follow a next link to https:\/\/evil\.example/)
    expect((err as Error).message).not.toContain(TOKEN)
  })
})

describe('okta rate limits', () => {
  it('waits out a 429 until X-Rate-Limit-Reset by the server clock plus a second, then retries', async () => {
    const now = Date.now()
    const body = {
      errorCode: 'E0000047',
      errorSummary: 'API call exceeded rate limit due to too many requests.',
      errorLink: 'E0000047',
      errorId: 'sampleQPivGUj_ND5v78vbYWW',
      errorCauses: [],
    }
    // The server's clock is 30 s ahead of ours: the reset is 1 s away by its clock, not 31 s.
    const serverNow = now + 30_000
    nock(ORG)
      .get('/api/v1/users')
      .reply(429, body, {
        'x-rate-limit-limit': '600',
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': String(Math.ceil(serverNow / 1000)),
        date: new Date(serverNow).toUTCString(),
      })
      .get('/api/v1/users')
      .reply(200, [{ id: 'u1' }], rate(599))
    const c = client()
    const stats = emptyStats()
    const started = Date.now()
    const res = await c.http.request('/api/v1/users', { stats })
    const took = Date.now() - started
    expect(res.data).toEqual([{ id: 'u1' }])
    expect(stats.throttled).toBe(1)
    expect(stats.retries).toBe(1)
    expect(took).toBeGreaterThanOrEqual(900)
    expect(took).toBeLessThan(5_000)
  })

  it('reports the E0000047 body when the rate limit never clears within the retry budget', async () => {
    nock(ORG).get('/api/v1/groups').times(2).reply(
      429,
      {
        errorCode: 'E0000047',
        errorSummary: 'API call exceeded rate limit due to too many requests.',
        errorCauses: [],
      },
      rate(0, 0),
    )
    // Two attempts only, so the test stays short.
    const err = await client({}, { retry: { maxAttempts: 2 } })
      .http.request('/api/v1/groups')
      .catch((e: Error) => e)
    expect((err as Error).message).toMatch(/429 E0000047: API call exceeded rate limit/)
    expect((err as Error).message).not.toContain(TOKEN)
  })

  it('holds an exhausted endpoint until its reset without slowing other endpoints', async () => {
    const c = client()
    nock(ORG)
      .get('/api/v1/users')
      .reply(200, [], rate(1, 2))
      .get('/api/v1/groups')
      .reply(200, [], rate(500))
      // The one probe at the margin meets Okta's fixed window: 429 until the reset, then the retry goes through.
      .get('/api/v1/users')
      .reply(
        429,
        { errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.' },
        rate(0, 2),
      )
      .get('/api/v1/users')
      .reply(200, [], rate(599))
    const stats = emptyStats()
    await c.http.request('/api/v1/users', { stats })
    const t0 = Date.now()
    await c.http.request('/api/v1/groups', { stats })
    expect(Date.now() - t0).toBeLessThan(500)
    const t1 = Date.now()
    await c.http.request('/api/v1/users', { stats })
    expect(Date.now() - t1).toBeGreaterThanOrEqual(1500)
    expect(stats.throttled).toBe(1)
  })
})

describe('okta transient failures', () => {
  it('repeats a read that Okta answered with 500 E0000009, but not a refused one', async () => {
    nock(ORG)
      .get('/api/v1/groups')
      .reply(
        500,
        { errorCode: 'E0000009', errorSummary: 'Internal Server Error', errorCauses: [] },
        rate(598),
      )
      .get('/api/v1/groups')
      .reply(200, [{ id: 'g1' }], rate(597))
      .get('/api/v1/apps')
      .reply(
        400,
        { errorCode: 'E0000031', errorSummary: 'Invalid search criteria.', errorCauses: [] },
        rate(596),
      )
    const stats = emptyStats()
    const c = client()
    expect((await c.http.request('/api/v1/groups', { stats })).data).toEqual([{ id: 'g1' }])
    expect(stats.retries).toBe(1)
    const err = await c.http.request('/api/v1/apps', { stats }).catch((e: Error) => e)
    expect((err as Error).message).toMatch(/400 E0000031: Invalid search criteria/)
    expect(stats.retries).toBe(1)
  })
})

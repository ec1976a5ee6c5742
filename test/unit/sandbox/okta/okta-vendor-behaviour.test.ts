import { generateKeyPairSync, randomUUID } from 'node:crypto'
import http from 'node:http'
import { SignJWT } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type OktaSimulator,
  type OktaSimulatorOptions,
  startOktaSimulator,
} from '../../../../src/sandbox/okta/index.ts'
import { tinyOktaTenant } from '../../../integration/sandbox/tiny-idp-tenant.ts'

/** Okta's own answers: rate-limit headers and 429s, faults, Link headers, System Log polling, OAuth assertions. */

let sim: OktaSimulator | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const CLIENT_ID = '0oaserviceapp0000001'

async function start(opts: OktaSimulatorOptions = {}) {
  sim = await startOktaSimulator(tinyOktaTenant(), {
    credentials: {
      sswsTokens: ['ssws-test-token'],
      serviceApps: [
        {
          clientId: CLIENT_ID,
          publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          scopes: ['okta.users.read', 'okta.logs.read'],
        },
      ],
    },
    ...opts,
  })
  return sim
}

/** A raw GET that keeps repeated header lines apart (fetch would join them). */
function rawGet(url: string, headers: Record<string, string> = { authorization: 'SSWS ssws-test-token' }) {
  return new Promise<{ status: number; raw: string[]; headers: http.IncomingHttpHeaders; body: unknown }>(
    (resolve, reject) => {
      http
        .get(url, { headers }, (res) => {
          let data = ''
          res.on('data', (c) => {
            data += c
          })
          res.on('end', () =>
            resolve({
              status: res.statusCode!,
              raw: res.rawHeaders,
              headers: res.headers,
              body: data ? JSON.parse(data) : null,
            }),
          )
          res.on('error', reject)
        })
        .on('error', reject)
    },
  )
}

const linkLines = (raw: string[]) =>
  raw.filter((_, i) => i % 2 === 0 && raw[i]!.toLowerCase() === 'link').length

async function assertion(claims: { aud: string; exp?: number; jti?: string; iss?: string }) {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ jti: claims.jti ?? randomUUID() })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(claims.iss ?? CLIENT_ID)
    .setSubject(claims.iss ?? CLIENT_ID)
    .setAudience(claims.aud)
    .setIssuedAt(now)
    .setExpirationTime(claims.exp ?? now + 300)
    .sign(privateKey)
}

async function tokenRequest(s: OktaSimulator, clientAssertion: string, scope = 'okta.users.read') {
  const res = await fetch(`${s.url}/oauth2/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion,
    }),
  })
  return { status: res.status, body: (await res.json()) as Record<string, string> }
}

const E = (code: string) => ({
  errorCode: code,
  errorSummary: expect.any(String),
  errorLink: code,
  errorId: expect.stringMatching(/^oae/),
  errorCauses: expect.any(Array),
})

describe('okta simulator: rate limits', () => {
  it('sends X-Rate-Limit-* (epoch seconds) on every response and 429 E0000047 per endpoint bucket', async () => {
    const s = await start({ rateLimits: { 'GET /api/v1/users': { capacity: 3, windowMs: 60_000 } } })
    const first = await rawGet(`${s.url}/api/v1/users?limit=5`)
    expect(first.status).toBe(200)
    expect(first.headers['x-rate-limit-limit']).toBe('3')
    expect(first.headers['x-rate-limit-remaining']).toBe('2')
    const reset = Number(first.headers['x-rate-limit-reset'])
    expect(reset).toBeGreaterThan(Date.now() / 1000)
    expect(reset).toBeLessThan(Date.now() / 1000 + 61)
    await rawGet(`${s.url}/api/v1/users`)
    await rawGet(`${s.url}/api/v1/users`)
    const limited = await rawGet(`${s.url}/api/v1/users`)
    expect(limited.status).toBe(429)
    expect(limited.headers['x-rate-limit-remaining']).toBe('0')
    expect(limited.body).toEqual({
      ...E('E0000047'),
      errorSummary: 'API call exceeded rate limit due to too many requests.',
    })
    // Another endpoint has its own bucket, with Okta's default limit.
    const groups = await rawGet(`${s.url}/api/v1/groups`)
    expect(groups.status).toBe(200)
    expect(groups.headers['x-rate-limit-limit']).toBe('500')
  })
})

describe('okta simulator: concurrent rate limit', () => {
  it('answers 429 E0000047 with X-Rate-Limit-Limit 0 to requests over the concurrency limit', async () => {
    const s = await start({ concurrencyLimit: 2, faults: 'latency=300ms@1' })
    const results = await Promise.all(
      Array.from({ length: 4 }, () => rawGet(`${s.url}/api/v1/users?limit=1`)),
    )
    const limited = results.filter((r) => r.status === 429)
    expect(results.filter((r) => r.status === 200)).toHaveLength(2)
    expect(limited).toHaveLength(2)
    for (const r of limited) {
      expect(r.headers['x-rate-limit-limit']).toBe('0')
      expect(r.headers['x-rate-limit-remaining']).toBe('0')
      expect(r.body).toEqual(E('E0000047'))
    }
    // Once those finished, there is room again.
    expect((await rawGet(`${s.url}/api/v1/users?limit=1`)).status).toBe(200)
  })
})

describe('okta simulator: faults', () => {
  it('injects 500 E0000009, 429 E0000047 with rate headers, latency, resets and truncated bodies', async () => {
    const s = await start({ faults: '5xx=1' })
    const err = await rawGet(`${s.url}/api/v1/users`)
    expect(err.status).toBe(500)
    expect(err.body).toEqual(E('E0000009'))
    expect(err.headers['x-rate-limit-limit']).toBe('600')
    const tokenErr = await tokenRequest(s, await assertion({ aud: `${s.url}/oauth2/v1/token` }))
    expect(tokenErr).toMatchObject({ status: 500, body: { error: 'server_error' } })

    s.simulator.setFaults('429=1')
    const limited = await rawGet(`${s.url}/api/v1/users`)
    expect(limited.status).toBe(429)
    expect(limited.body).toEqual(E('E0000047'))
    expect(limited.headers['x-rate-limit-remaining']).toBe('0')
    expect(Number(limited.headers['x-rate-limit-reset'])).toBeGreaterThanOrEqual(
      Math.floor(Date.now() / 1000),
    )

    s.simulator.setFaults('latency=100ms@1')
    const t0 = performance.now()
    expect((await rawGet(`${s.url}/api/v1/users`)).status).toBe(200)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95)

    s.simulator.setFaults('reset=1')
    await expect(rawGet(`${s.url}/api/v1/users`)).rejects.toThrow(/socket hang up|ECONNRESET/)

    s.simulator.setFaults('truncate=1')
    await expect(rawGet(`${s.url}/api/v1/users`)).rejects.toThrow(/aborted|JSON|Unexpected end/)
  })
})

describe('okta simulator: paging and queries', () => {
  it('sends next links sometimes as separate link lines and sometimes comma-joined', async () => {
    const s = await start()
    const a = await rawGet(`${s.url}/api/v1/users?limit=5`)
    const b = await rawGet(`${s.url}/api/v1/users?limit=5`)
    const counts = [linkLines(a.raw), linkLines(b.raw)].sort()
    expect(counts).toEqual([1, 2])
    const joined = a.headers.link as string
    expect(joined).toMatch(/<http:\/\/127\.0\.0\.1:\d+\/api\/v1\/users\?after=[^>&]+&limit=5>; rel="next"/)
  })

  it('follows a next link without skipping anyone when a user before the cursor leaves the listing', async () => {
    const s = await start()
    const first = await rawGet(`${s.url}/api/v1/users?limit=5`)
    // Deactivated users drop out of the plain listing, shifting everyone after them.
    s.control.deactivateUser!({ userId: '00u00000000000000001' })
    const next = /<([^>]+)>; rel="next"/.exec(String(first.headers.link))![1]!
    const second = await rawGet(next)
    expect((second.body as { id: string }[]).map((u) => u.id)).toEqual(
      [5, 6, 7, 8, 10].map((i) => `00u${i.toString(16).padStart(17, '0')}`),
    )
  })

  it('caps limit at the endpoint maximum and refuses ne and unsupported filters', async () => {
    const s = await start()
    const all = await rawGet(`${s.url}/api/v1/users?search=${encodeURIComponent('status pr')}&limit=1000`)
    expect((all.body as unknown[]).length).toBe(30)
    const ne = await rawGet(`${s.url}/api/v1/users?search=${encodeURIComponent('status ne "ACTIVE"')}`)
    expect(ne.status).toBe(400)
    expect(ne.body).toEqual(E('E0000031'))
    const badFilter = await rawGet(
      `${s.url}/api/v1/users?filter=${encodeURIComponent('created gt "2020-01-01T00:00:00.000Z"')}`,
    )
    expect(badFilter.status).toBe(400)
    expect(badFilter.body).toEqual(E('E0000053'))
    const co = await rawGet(`${s.url}/api/v1/users?search=${encodeURIComponent('profile.login co "user2"')}`)
    expect((co.body as { id: string }[]).length).toBe(11)
  })

  it('a repeated search sees changes made in between (listings are not cached across changes)', async () => {
    const s = await start()
    const q = `${s.url}/api/v1/users?search=${encodeURIComponent('status eq "DEPROVISIONED"')}`
    expect((await rawGet(q)).body as unknown[]).toHaveLength(3)
    expect((await rawGet(`${s.url}/api/v1/users?limit=200`)).body as unknown[]).toHaveLength(27)
    s.control.deactivateUser!({ userId: '00u00000000000000001' })
    expect((await rawGet(q)).body as unknown[]).toHaveLength(4)
    expect((await rawGet(`${s.url}/api/v1/users?limit=200`)).body as unknown[]).toHaveLength(26)
    const appUsers = `${s.url}/api/v1/apps/0oa00000000000000000/users?limit=500`
    expect((await rawGet(appUsers)).body as unknown[]).toHaveLength(12)
    s.control.assignAppUser!({ appId: '0oa00000000000000000', userId: '00u00000000000000014' })
    expect((await rawGet(appUsers)).body as unknown[]).toHaveLength(13)
  })

  it('lists role assignees, roles and API tokens in their shapes', async () => {
    const s = await start()
    const assignees = await rawGet(`${s.url}/api/v1/iam/assignees/users?limit=1`)
    const page1 = assignees.body as {
      value: { id: string; orn: string }[]
      _links: { next?: { href: string } }
    }
    expect(page1.value).toHaveLength(1)
    expect(page1.value[0]!.orn).toMatch(/^orn:okta:directory:contoso:users:00u/)
    const page2 = (await rawGet(page1._links.next!.href)).body as typeof page1
    expect(page2.value).toHaveLength(1)
    expect(page2._links.next).toBeUndefined()
    const roles = await rawGet(`${s.url}/api/v1/users/${page1.value[0]!.id}/roles`)
    expect(roles.body).toEqual([
      expect.objectContaining({ type: 'SUPER_ADMIN', assignmentType: 'USER', status: 'ACTIVE' }),
    ])
    const tokens = await rawGet(`${s.url}/api/v1/api-tokens`)
    expect(tokens.body).toEqual([
      expect.objectContaining({ name: 'ci-token', expiresAt: '2026-01-01T00:00:00.000Z' }),
    ])
  })
})

describe('okta simulator: System Log', () => {
  it('polling always has a next link, even when empty, and the stored next link sees later events', async () => {
    const s = await start({ scenarioNow: '2025-03-10T00:00:00.000Z' })
    const since = '2025-03-01T00:00:00.000Z'
    const first = await rawGet(`${s.url}/api/v1/logs?since=${since}&limit=5&sortOrder=ASCENDING`)
    expect((first.body as unknown[]).length).toBe(5)
    const next = (h: http.IncomingHttpHeaders) => /<([^>]+)>; rel="next"/.exec(String(h.link))![1]!
    const second = await rawGet(next(first.headers))
    expect((second.body as unknown[]).length).toBe(2)
    const empty = await rawGet(next(second.headers))
    expect(empty.body).toEqual([])
    const stored = next(empty.headers)
    s.control.addGroupMember!({ groupId: '00g00000000000000002', userId: '00u00000000000000004' })
    const later = await rawGet(stored)
    expect((later.body as { eventType: string }[]).map((e) => e.eventType)).toEqual([
      'group.user_membership.add',
    ])
  })

  it('bounded requests end without a next link; since and after together are refused', async () => {
    const s = await start({ scenarioNow: '2025-03-10T00:00:00.000Z' })
    const bounded = await rawGet(
      `${s.url}/api/v1/logs?since=2025-03-01T00:00:00.000Z&until=2025-03-04T00:00:00.000Z&limit=10`,
    )
    expect((bounded.body as unknown[]).length).toBe(3)
    const newestFirst = await rawGet(
      `${s.url}/api/v1/logs?since=2025-03-01T00:00:00.000Z&until=2025-03-04T00:00:00.000Z&sortOrder=DESCENDING`,
    )
    expect((newestFirst.body as { published: string }[]).map((e) => e.published)).toEqual([
      '2025-03-03T00:00:00.000Z',
      '2025-03-02T00:00:00.000Z',
      '2025-03-01T00:00:00.000Z',
    ])
    expect(String(bounded.headers.link)).not.toContain('rel="next"')
    const both = await rawGet(`${s.url}/api/v1/logs?since=2025-03-01T00:00:00.000Z&after=abc`)
    expect(both.status).toBe(400)
    expect(both.body).toEqual(E('E0000001'))
    const old = await rawGet(`${s.url}/api/v1/logs?since=2024-01-01T00:00:00.000Z`)
    expect(old.status).toBe(400)
    expect((old.body as { errorCauses: { errorSummary: string }[] }).errorCauses[0]!.errorSummary).toMatch(
      /180 days/,
    )
  })
})

describe('okta simulator: OAuth service apps', () => {
  it('issues a bearer token for a valid assertion, with the granted scopes', async () => {
    const s = await start()
    const res = await tokenRequest(s, await assertion({ aud: `${s.url}/oauth2/v1/token` }))
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'okta.users.read' })
    const users = await rawGet(`${s.url}/api/v1/users`, { authorization: `Bearer ${res.body.access_token}` })
    expect(users.status).toBe(200)
    const groups = await rawGet(`${s.url}/api/v1/groups`, {
      authorization: `Bearer ${res.body.access_token}`,
    })
    expect(groups.status).toBe(403)
    expect(groups.body).toEqual(E('E0000006'))
  })

  it('refuses a wrong audience, an expiry over an hour, a replayed jti and an ungranted scope', async () => {
    const s = await start()
    const aud = `${s.url}/oauth2/v1/token`
    const wrongAud = await tokenRequest(
      s,
      await assertion({ aud: 'https://elsewhere.example/oauth2/v1/token' }),
    )
    expect(wrongAud).toMatchObject({ status: 401, body: { error: 'invalid_client' } })
    const far = await tokenRequest(s, await assertion({ aud, exp: Math.floor(Date.now() / 1000) + 7200 }))
    expect(far.status).toBe(401)
    expect(far.body.error_description).toMatch(/expiration too far/)
    const jwt = await assertion({ aud, jti: 'same-jti' })
    expect((await tokenRequest(s, jwt)).status).toBe(200)
    const replay = await tokenRequest(s, jwt)
    expect(replay.status).toBe(401)
    expect(replay.body.error_description).toMatch(/already been used/)
    const scope = await tokenRequest(s, await assertion({ aud }), 'okta.groups.read')
    expect(scope).toMatchObject({ status: 400, body: { error: 'invalid_scope' } })
    const stranger = await tokenRequest(s, await assertion({ aud, iss: '0oaunknown' }))
    expect(stranger).toMatchObject({ status: 401, body: { error: 'invalid_client' } })
  })

  it('expires bearer tokens after their lifetime', async () => {
    let now = Date.now()
    const s = await start({ clock: () => now, tokenLifetimeS: 60 })
    const res = await tokenRequest(s, await assertion({ aud: `${s.url}/oauth2/v1/token` }))
    const auth = { authorization: `Bearer ${res.body.access_token}` }
    expect((await rawGet(`${s.url}/api/v1/users`, auth)).status).toBe(200)
    now += 61_000
    const expired = await rawGet(`${s.url}/api/v1/users`, auth)
    expect(expired.status).toBe(401)
    expect(expired.body).toEqual(E('E0000011'))
  })

  it('rotates the SSWS token: the old one stops working', async () => {
    const s = await start()
    const fresh = (await s.control.rotateSswsToken!({})) as string
    expect((await rawGet(`${s.url}/api/v1/users`)).status).toBe(401)
    expect((await rawGet(`${s.url}/api/v1/users`, { authorization: `SSWS ${fresh}` })).status).toBe(200)
  })
})

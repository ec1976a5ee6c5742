import tls from 'node:tls'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { generateTlsMaterial, type TlsMaterial } from '../../../../src/sandbox/core/index.ts'
import {
  type GraphSimulator,
  type GraphSimulatorOptions,
  startGraphSimulator,
} from '../../../../src/sandbox/graph/index.ts'
import { guid, tinyGraphTenant } from '../../../integration/sandbox/tiny-idp-tenant.ts'

/** Graph's own answers: token errors, 401/403, throttling and every injected fault, in Graph's shapes. */

let material: TlsMaterial
let sim: GraphSimulator | undefined
beforeAll(async () => {
  material = await generateTlsMaterial()
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), material.caCert])
})
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

async function start(opts: GraphSimulatorOptions = {}) {
  sim = await startGraphSimulator(tinyGraphTenant(), { tls: material, ...opts })
  return sim
}

async function token(s: GraphSimulator, secret = s.credentials.clientSecret) {
  const res = await fetch(`${s.url}/${s.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: s.credentials.clientId,
      client_secret: secret,
      scope: 'https://graph.microsoft.com/.default',
    }),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function get(s: GraphSimulator, path: string, bearer?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${s.url}/v1.0${path}`, {
    headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...headers },
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null }
}

const graphErrorShape = (code: string) => ({
  error: {
    code,
    message: expect.any(String),
    innerError: expect.objectContaining({ 'request-id': expect.any(String) }),
  },
})

describe('graph simulator: identity platform', () => {
  it('answers AADSTS errors for a wrong secret, an unknown client and a bad scope', async () => {
    const s = await start()
    const wrong = await token(s, 'nope')
    expect(wrong.status).toBe(401)
    expect(wrong.body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] })
    expect(String(wrong.body.error_description)).toMatch(/^AADSTS7000215: Invalid client secret/)
    const res = await fetch(`${s.url}/${s.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'other',
        client_secret: 'x',
        scope: 'x/.default',
      }),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] })
    const scope = await fetch(`${s.url}/${s.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: s.credentials.clientId,
        client_secret: s.credentials.clientSecret,
        scope: 'User.Read.All',
      }),
    })
    expect(await scope.json()).toMatchObject({ error: 'invalid_scope', error_codes: [1002012] })
  })

  it('refuses missing, expired and revoked tokens with 401 InvalidAuthenticationToken', async () => {
    let now = Date.now()
    const s = await start({ clock: () => now, tokenLifetimeS: 60 })
    const none = await get(s, '/users')
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm=""/)
    expect(none.body).toEqual(graphErrorShape('InvalidAuthenticationToken'))
    const t = (await token(s)).body.access_token as string
    expect((await get(s, '/users', t)).status).toBe(200)
    now += 61_000
    const expired = await get(s, '/users', t)
    expect(expired.status).toBe(401)
    expect(expired.body.error.message).toMatch(/token is expired/)
    const fresh = (await token(s)).body.access_token as string
    const old = s.credentials.clientSecret
    const rotated = (await s.control.rotateClientSecret!({})) as string
    expect(rotated).not.toBe(old)
    // The clock does not move: revocation must not depend on a second having passed.
    expect((await get(s, '/users', fresh)).status).toBe(401)
    expect((await token(s, old)).status).toBe(401)
    const renewed = await token(s, rotated)
    expect(renewed.status).toBe(200)
    // A token issued right after the rotation (same second) works.
    expect((await get(s, '/users', renewed.body.access_token as string)).status).toBe(200)
  })

  it('answers 403 Authorization_RequestDenied when the app lacks the permission', async () => {
    const s = await start({ credentials: { permissions: ['User.Read.All'] } })
    const t = (await token(s)).body.access_token as string
    expect((await get(s, '/users', t)).status).toBe(200)
    const denied = await get(s, '/roleManagement/directory/roleAssignments', t)
    expect(denied.status).toBe(403)
    expect(denied.body).toEqual(graphErrorShape('Authorization_RequestDenied'))
  })
})

describe('graph simulator: throttling and faults', () => {
  it('throttles with 429, Retry-After and the x-ms-throttle headers', async () => {
    const s = await start({ rateLimits: { graph: { capacity: 2, windowMs: 10_000 } } })
    const t = (await token(s)).body.access_token as string
    expect((await get(s, '/users', t)).status).toBe(200)
    expect((await get(s, '/groups', t)).status).toBe(200)
    const r = await get(s, '/users', t)
    expect(r.status).toBe(429)
    expect(r.headers.get('retry-after')).toBe('5')
    expect(r.headers.get('x-ms-throttle-information')).toBe('ResourceUnitLimitExceeded')
    expect(r.headers.get('x-ms-throttle-scope')).toContain(s.tenantId)
    expect(r.body).toEqual(graphErrorShape('TooManyRequests'))
    // The identity platform is not in Graph's bucket.
    expect((await token(s)).status).toBe(200)
  })

  it('throttles $batch items one by one inside a 200 batch', async () => {
    const s = await start({ rateLimits: { graph: { capacity: 3, windowMs: 60_000 } } })
    const t = (await token(s)).body.access_token as string
    const res = await fetch(`${s.url}/v1.0/$batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        requests: ['1', '2', '3', '4'].map((id) => ({
          id,
          method: 'GET',
          url: `/users/${guid(1, Number(id))}`,
        })),
      }),
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      responses: { id: string; status: number; headers: Record<string, string> }[]
    }
    // The batch itself took a token; two items fit, two are throttled with their own Retry-After.
    expect(body.responses.map((r) => r.status)).toEqual([200, 200, 429, 429])
    expect(body.responses[2]!.headers['Retry-After']).toBe('20')
  })

  it('injects 503 serviceNotAvailable with Retry-After', async () => {
    const s = await start()
    const t = (await token(s)).body.access_token as string
    s.simulator.setFaults('5xx=1')
    const r = await get(s, '/users', t)
    expect(r.status).toBe(503)
    expect(r.headers.get('retry-after')).toBe('1')
    expect(r.body).toEqual(graphErrorShape('serviceNotAvailable'))
    // The token endpoint fails in the identity platform's own shape.
    const t2 = await token(s)
    expect(t2.status).toBe(503)
    expect(t2.body).toMatchObject({ error: 'temporarily_unavailable', error_codes: [90033] })
  })

  it('injects 429 TooManyRequests with Retry-After', async () => {
    const s = await start()
    const t = (await token(s)).body.access_token as string
    s.simulator.setFaults('429=1')
    const r = await get(s, '/groups', t)
    expect(r.status).toBe(429)
    expect(r.headers.get('retry-after')).toBe('1')
    expect(r.body).toEqual(graphErrorShape('TooManyRequests'))
  })

  it('injects latency, resets and truncated JSON', async () => {
    const s = await start()
    const t = (await token(s)).body.access_token as string
    s.simulator.setFaults('latency=120ms@1')
    const t0 = performance.now()
    expect((await get(s, '/users', t)).status).toBe(200)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(110)
    s.simulator.setFaults('reset=1')
    await expect(
      fetch(`${s.url}/v1.0/users`, { headers: { authorization: `Bearer ${t}` } }),
    ).rejects.toThrow()
    s.simulator.setFaults('truncate=1')
    const res = await fetch(`${s.url}/v1.0/users`, { headers: { authorization: `Bearer ${t}` } })
    expect(res.status).toBe(200)
    await expect(res.json()).rejects.toThrow()
  })
})

describe('graph simulator: queries', () => {
  it("addresses a service principal by appId: /servicePrincipals(appId='…')", async () => {
    const s = await start()
    const t = (await token(s)).body.access_token as string
    const sp = await get(s, `/servicePrincipals(appId='${guid(5, 0)}')?$select=id,displayName`, t)
    expect(sp.body).toMatchObject({ id: guid(4, 0), displayName: 'Payroll' })
    const holders = await get(s, `/servicePrincipals(appId='${guid(5, 0)}')/appRoleAssignedTo`, t)
    expect(holders.body.value.map((a: { principalId: string }) => a.principalId)).toEqual([guid(1, 4)])
    const missing = await get(s, `/servicePrincipals(appId='${guid(5, 9)}')/appRoleAssignedTo`, t)
    expect(missing.status).toBe(404)
    const other = await get(s, '/nonsense', t)
    expect(other.status).toBe(400)
    expect(other.body.error.message).toBe("Resource not found for the segment 'nonsense'.")
  })

  it('lists transitive members through nesting, once each, even with a cycle', async () => {
    const s = await start()
    const t = (await token(s)).body.access_token as string
    // Group 1 holds user 1 and group 2; group 2 holds user 2. Close a cycle: group 2 also holds group 1.
    s.control.addGroupMember!({ groupId: guid(2, 2), memberId: guid(2, 1) })
    const r = await get(s, `/groups/${guid(2, 1)}/transitiveMembers?$select=id`, t)
    expect(r.body.value.map((m: { id: string }) => m.id).sort()).toEqual(
      [guid(1, 1), guid(1, 2), guid(2, 2)].sort(),
    )
  })

  it('refuses $top over 999, unknown properties and ne without ConsistencyLevel', async () => {
    const s = await start()
    const t = (await token(s)).body.access_token as string
    const top = await get(s, '/users?$top=1000', t)
    expect(top.status).toBe(400)
    expect(top.body.error.message).toMatch(/between 1 and 999/)
    const sel = await get(s, '/users?$select=id,shoeSize', t)
    expect(sel.status).toBe(400)
    expect(sel.body.error.message).toBe(
      "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.",
    )
    const ne = await get(s, `/users?$filter=${encodeURIComponent("userType ne 'Guest'")}`, t)
    expect(ne.status).toBe(400)
    expect(ne.body.error.code).toBe('Request_UnsupportedQuery')
    const ok = await get(s, `/users?$filter=${encodeURIComponent("userType ne 'Guest'")}&$count=true`, t, {
      ConsistencyLevel: 'eventual',
    })
    expect(ok.status).toBe(200)
    expect(ok.body['@odata.count']).toBe(ok.body.value.length)
  })

  it('a repeated filtered listing sees changes made in between', async () => {
    const s = await start()
    const t = (await token(s)).body.access_token as string
    const q = `/users?$filter=${encodeURIComponent('accountEnabled eq false')}&$select=id`
    expect((await get(s, q, t)).body.value).toHaveLength(3)
    s.control.disableUser!({ userId: guid(1, 0) })
    expect((await get(s, q, t)).body.value).toHaveLength(4)
  })

  it('answers /users/$count as plain text, only with ConsistencyLevel: eventual', async () => {
    const s = await start()
    const t = (await token(s)).body.access_token as string
    const res = await fetch(`${s.url}/v1.0/users/$count`, {
      headers: { authorization: `Bearer ${t}`, ConsistencyLevel: 'eventual' },
    })
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(await res.text()).toBe('30')
    expect((await get(s, '/groups/$count', t)).status).toBe(400)
  })

  it('returns the limited default user properties without $select', async () => {
    const s = await start()
    const t = (await token(s)).body.access_token as string
    const r = await get(s, '/users?$top=1', t)
    expect(Object.keys(r.body.value[0])).not.toContain('accountEnabled')
    expect(r.body.value[0]).toMatchObject({ id: guid(1, 0), userPrincipalName: 'user0@contoso.example' })
  })

  it('filters service principals, groups by lambda, and owners', async () => {
    const s = await start()
    const t = (await token(s)).body.access_token as string
    const unified = await get(
      s,
      `/groups?$filter=${encodeURIComponent("groupTypes/any(c:c eq 'Unified')")}`,
      t,
    )
    expect(unified.body.value.map((g: { id: string }) => g.id)).toEqual([guid(2, 5)])
    const firstParty = await get(
      s,
      `/servicePrincipals?$filter=${encodeURIComponent(`appOwnerOrganizationId eq ${'f8cdef31-a31e-4b4a-93e4-5f571e91255a'}`)}`,
      t,
    )
    expect(firstParty.body.value.map((sp: { displayName: string }) => sp.displayName)).toEqual([
      'Microsoft Graph',
    ])
    const owners = await get(s, `/applications/${guid(3, 0)}/owners?$select=id,userPrincipalName`, t)
    expect(owners.body.value).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: guid(1, 3), userPrincipalName: 'user3@contoso.example' },
    ])
    const apps = await get(s, '/applications', t)
    expect(apps.body.value[0]).not.toHaveProperty('owners')
    expect(apps.body.value[0].passwordCredentials[0].endDateTime).toBe('2026-07-01T00:00:00Z')
  })

  it('answers an undecodable delta token with 400 and a stale one with 410 + Location', async () => {
    const s = await start()
    const t = (await token(s)).body.access_token as string
    const bad = await get(s, '/users/delta?$deltatoken=garbage', t)
    expect(bad.status).toBe(400)
    const latest = await get(s, '/users/delta?$deltatoken=latest&$select=id,displayName', t)
    expect(latest.body.value).toEqual([])
    s.control.expireDeltaTokens!({})
    const gone = await fetch(latest.body['@odata.deltaLink'], { headers: { authorization: `Bearer ${t}` } })
    expect(gone.status).toBe(410)
    expect(gone.headers.get('location')).toBe(`${s.url}/v1.0/users/delta?$select=id,displayName`)
    expect(await gone.json()).toEqual(graphErrorShape('resyncRequired'))
  })

  it('keeps delta pages at their fixed size whatever $top says, and refuses $orderby', async () => {
    const s = await start({ deltaPageSize: 8 })
    const t = (await token(s)).body.access_token as string
    const page = await get(s, '/users/delta?$select=id&$top=2', t)
    expect(page.body.value).toHaveLength(8)
    expect(page.body['@odata.nextLink']).toContain('$skiptoken=')
    const ordered = await get(s, '/users/delta?$orderby=displayName', t)
    expect(ordered.status).toBe(400)
    expect(ordered.body.error.code).toBe('Request_UnsupportedQuery')
  })

  it('skips nobody in a first round when users and members go away between its pages', async () => {
    const s = await start({ deltaPageSize: 5, memberChunk: 4 })
    const t = (await token(s)).body.access_token as string
    const follow = async (url: string) =>
      (await fetch(url, { headers: { authorization: `Bearer ${t}` } })).json() as Promise<{
        value: { id: string; 'members@delta'?: { id: string }[] }[]
        '@odata.nextLink'?: string
      }>
    const first = await get(s, '/users/delta?$select=id', t)
    expect(first.body.value.map((u: { id: string }) => u.id)).toEqual([0, 1, 2, 3, 4].map((i) => guid(1, i)))
    // One user already sent and the next one due both go: the array shifts by two.
    s.control.deleteUser!({ userId: guid(1, 2) })
    s.control.deleteUser!({ userId: guid(1, 5) })
    const second = await follow(first.body['@odata.nextLink'])
    expect(second.value.map((u) => u.id)).toEqual([6, 7, 8, 9, 10].map((i) => guid(1, i)))

    // All Staff: 23 members left, in chunks of 4 (5 chunks a page); remove one already sent, then read on.
    const g1 = await get(s, '/groups/delta?$select=displayName,members', t)
    const seen = new Set<string>()
    const take = (page: { value: { id: string; 'members@delta'?: { id: string }[] }[] }) => {
      for (const g of page.value)
        if (g.id === guid(2, 0)) for (const m of g['members@delta'] ?? []) seen.add(m.id)
    }
    take(g1.body)
    s.control.removeGroupMember!({ groupId: guid(2, 0), memberId: guid(1, 0) })
    let next: string | undefined = g1.body['@odata.nextLink']
    while (next) {
      const p = await follow(next)
      take(p)
      next = p['@odata.nextLink']
    }
    // Users 2 and 5 were deleted (and so left the group) before the round started reading members.
    const expected = Array.from({ length: 25 }, (_, i) => guid(1, i)).filter(
      (id) => id !== guid(1, 2) && id !== guid(1, 5),
    )
    expect([...seen].sort()).toEqual(expected.sort())
  })

  it('pages /users without skipping anyone when a user before the cursor is deleted', async () => {
    const s = await start()
    const t = (await token(s)).body.access_token as string
    const first = await get(s, '/users?$top=5&$select=id', t)
    s.control.deleteUser!({ userId: guid(1, 1) })
    const second = await fetch(first.body['@odata.nextLink'], { headers: { authorization: `Bearer ${t}` } })
    const ids = ((await second.json()) as { value: { id: string }[] }).value.map((u) => u.id)
    expect(ids).toEqual([5, 6, 7, 8, 9].map((i) => guid(1, i)))
  })

  it('reports @removed for a deleted user in users/delta', async () => {
    const s = await start({ deltaPageSize: 1000 })
    const t = (await token(s)).body.access_token as string
    const first = await get(s, '/users/delta?$select=id', t)
    expect(first.body.value).toHaveLength(30)
    s.control.deleteUser!({ userId: guid(1, 7) })
    const next = await fetch(first.body['@odata.deltaLink'], { headers: { authorization: `Bearer ${t}` } })
    expect(((await next.json()) as { value: unknown[] }).value).toEqual([
      { id: guid(1, 7), '@removed': { reason: 'changed' } },
    ])
  })
})

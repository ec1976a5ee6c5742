import okta from '@okta/okta-sdk-nodejs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type OktaSimulator, startOktaSimulator } from '../../../src/sandbox/okta/index.ts'
import { tinyOktaTenant } from './tiny-idp-tenant.ts'

/**
 * The official Okta SDK against the Okta simulator, with an SSWS token and with an OAuth service app signing
 * private_key_jwt assertions: users (deprovisioned ones through search), groups, group members and app users,
 * each across several pages.
 */

let sim: OktaSimulator
beforeAll(async () => {
  sim = await startOktaSimulator(tinyOktaTenant({ users: 30 }))
})
afterAll(async () => {
  await sim?.close()
})

function sswsClient() {
  return new okta.Client({ orgUrl: sim.url, token: sim.credentials.sswsTokens[0], cacheMiddleware: null })
}

function oauthClient(scopes: string[]) {
  return new okta.Client({
    orgUrl: sim.url,
    authorizationMode: 'PrivateKey',
    clientId: sim.credentials.serviceApps[0]!.clientId,
    scopes,
    privateKey: sim.serviceAppPrivateKey!,
    keyId: 'sandbox-key',
    cacheMiddleware: null,
  })
}

async function collect<T>(
  collection: AsyncIterable<T> | Promise<AsyncIterable<T>>,
): Promise<NonNullable<T>[]> {
  const out: NonNullable<T>[] = []
  for await (const item of await collection) {
    expect(item).not.toBeNull()
    out.push(item as NonNullable<T>)
  }
  return out
}

describe('okta simulator with @okta/okta-sdk-nodejs', () => {
  it('lists users over pages; plain listing omits DEPROVISIONED, search includes them', async () => {
    const client = sswsClient()
    const before = sim.simulator.counter.get('GET /api/v1/users')
    const plain = await collect(client.userApi.listUsers({ limit: 7 }))
    expect(plain).toHaveLength(27)
    expect(plain.some((u) => u.status === 'DEPROVISIONED')).toBe(false)
    expect(sim.simulator.counter.get('GET /api/v1/users') - before).toBe(4)

    const searched = await collect(client.userApi.listUsers({ search: 'status pr', limit: 5 }))
    expect(searched).toHaveLength(30)
    expect(searched.filter((u) => u.status === 'DEPROVISIONED')).toHaveLength(3)
    const deprovisioned = await collect(
      client.userApi.listUsers({ search: 'status eq "DEPROVISIONED"', limit: 2 }),
    )
    expect(deprovisioned.map((u) => u.profile?.login)).toEqual([
      'user9@contoso.example',
      'user19@contoso.example',
      'user29@contoso.example',
    ])
    const since = await collect(
      client.userApi.listUsers({ filter: 'lastUpdated gt "2025-02-25T00:00:00.000Z"' }),
    )
    expect(since.map((u) => u.lastUpdated?.toISOString()).every((d) => d! > '2025-02-25T00:00:00.000Z')).toBe(
      true,
    )
    expect(since.length).toBeGreaterThan(0)
  })

  it('lists groups, group members and app users over pages', async () => {
    const client = sswsClient()
    const groups = await collect(client.groupApi.listGroups({ limit: 2 }))
    expect(groups.map((g) => g.profile?.name)).toEqual(['Team 0', 'Team 1', 'Team 2', 'Team 3', 'Everyone'])
    const members = await collect(client.groupApi.listGroupUsers({ groupId: groups[0]!.id!, limit: 10 }))
    expect(members).toHaveLength(25)
    expect(new Set(members.map((m) => m.id)).size).toBe(25)
    const appUsers = await collect(
      client.applicationApi.listApplicationUsers({ appId: '0oa00000000000000000', limit: 5 }),
    )
    expect(appUsers).toHaveLength(12)
    expect(appUsers.filter((a) => a.scope === 'GROUP')).toHaveLength(2)
    const membershipChanged = await collect(
      client.groupApi.listGroups({ filter: 'lastMembershipUpdated gt "2025-04-15T00:00:00.000Z"' }),
    )
    expect(membershipChanged.map((g) => g.profile?.name)).toEqual(['Team 3', 'Everyone'])
  })

  it('signs in as an OAuth service app with a private_key_jwt assertion and enforces scopes', async () => {
    const client = oauthClient(['okta.users.read', 'okta.groups.read'])
    const users = await collect(client.userApi.listUsers({ limit: 10 }))
    expect(users).toHaveLength(27)
    expect(sim.simulator.counter.get('POST /oauth2/v1/token')).toBe(1)
    const denied = await collect(client.applicationApi.listApplications()).catch((e: unknown) => e)
    expect(denied).toMatchObject({ status: 403, errorCode: 'E0000006' })
    // A scope the app was not granted: the token endpoint refuses (the SDK then surfaces the API's 401).
    const refusedBefore = sim.simulator.counter.snapshot().byStatus['400'] ?? 0
    const notGranted = oauthClient(['okta.users.manage'])
    const err = await collect(notGranted.userApi.listUsers()).catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 401 })
    expect(sim.simulator.counter.snapshot().byStatus['400']).toBeGreaterThan(refusedBefore)
  })

  it('refuses a wrong SSWS token with E0000011', async () => {
    const client = new okta.Client({ orgUrl: sim.url, token: 'not-a-token', cacheMiddleware: null })
    const err = await collect(client.userApi.listUsers()).catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 401, errorCode: 'E0000011', errorSummary: 'Invalid token provided' })
  })

  it('sees control-handle changes: membership, deactivation, and their System Log events', async () => {
    const client = sswsClient()
    const groupId = '00g00000000000000003'
    sim.control.addGroupMember!({ groupId, userId: '00u00000000000000005' })
    sim.control.deactivateUser!({ userId: '00u00000000000000006' })
    const members = await collect(client.groupApi.listGroupUsers({ groupId }))
    expect(members.map((m) => m.id)).toEqual(['00u00000000000000005'])
    const plain = await collect(client.userApi.listUsers())
    expect(plain.some((u) => u.id === '00u00000000000000006')).toBe(false)
    const changed = await collect(
      client.groupApi.listGroups({ filter: `lastMembershipUpdated gt "2026-01-01T00:00:00.000Z"` }),
    )
    expect(changed.map((g) => g.id)).toEqual([groupId])
    const events = await fetch(
      `${sim.url}/api/v1/logs?filter=${encodeURIComponent('eventType eq "group.user_membership.add"')}&since=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`,
      { headers: { authorization: `SSWS ${sim.credentials.sswsTokens[0]}` } },
    )
    const body = (await events.json()) as { target: { id: string }[] }[]
    expect(body.map((e) => e.target.map((t) => t.id))).toEqual([['00u00000000000000005', groupId]])
  })

  it('recovers from a 429 the way the SDK does: it waits for X-Rate-Limit-Reset and retries', async () => {
    const throttled = await startOktaSimulator(tinyOktaTenant(), {
      credentials: { sswsTokens: ['t'] },
      rateLimits: { 'GET /api/v1/groups': { capacity: 1, windowMs: 1000 } },
    })
    try {
      const client = new okta.Client({ orgUrl: throttled.url, token: 't', cacheMiddleware: null })
      expect(await collect(client.groupApi.listGroups({ limit: 100 }))).toHaveLength(5)
      const t0 = Date.now()
      expect(await collect(client.groupApi.listGroups({ limit: 100 }))).toHaveLength(5)
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900)
      expect(throttled.simulator.counter.snapshot().byStatus['429']).toBe(1)
    } finally {
      await throttled.close()
    }
  })
})

import { createHash, X509Certificate } from 'node:crypto'
import tls from 'node:tls'
import { ConfidentialClientApplication } from '@azure/msal-node'
import { Client, GraphError, PageIterator } from '@microsoft/microsoft-graph-client'
import { generate } from 'selfsigned'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateTlsMaterial, type TlsMaterial } from '../../../src/sandbox/core/index.ts'
import { type GraphSimulator, startGraphSimulator } from '../../../src/sandbox/graph/index.ts'
import { guid, tinyGraphTenant } from './tiny-idp-tenant.ts'

/**
 * The official Microsoft clients against the Graph simulator: msal-node signs in (secret and certificate),
 * microsoft-graph-client pages users, groups and members, and a delta round sees changes made through the
 * control handle in between.
 */

let sim: GraphSimulator
let material: TlsMaterial
let certPem: string
let privateKey: string

beforeAll(async () => {
  const appCert = await generate([{ name: 'commonName', value: 'accord-sandbox-app' }], {
    keySize: 2048,
    algorithm: 'sha256',
  })
  certPem = appCert.cert
  privateKey = appCert.private
  material = await generateTlsMaterial()
  sim = await startGraphSimulator(tinyGraphTenant({ users: 30, bigGroupMembers: 25 }), {
    tls: material,
    deltaPageSize: 3,
    memberChunk: 10,
    credentials: { certificatePem: certPem },
  })
  // What accord does through `tls.caFile`: trust the sandbox CA alongside the bundled roots.
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), sim.caCert])
})
afterAll(async () => {
  await sim?.close()
})

function msal(auth: {
  clientSecret?: string
  clientCertificate?: { thumbprintSha256: string; privateKey: string }
}) {
  return new ConfidentialClientApplication({
    auth: {
      clientId: sim.credentials.clientId,
      authority: sim.authority,
      knownAuthorities: [new URL(sim.authority).host],
      ...auth,
    },
  })
}

function graphClient(token: string): Client {
  return Client.init({
    baseUrl: new URL(sim.graphBaseUrl).origin,
    defaultVersion: 'v1.0',
    customHosts: new Set([new URL(sim.graphBaseUrl).hostname]),
    authProvider: (done) => done(null, token),
  })
}

async function all<T>(client: Client, first: unknown): Promise<T[]> {
  const out: T[] = []
  const it = new PageIterator(client, first as never, (item) => {
    out.push(item as T)
    return true
  })
  await it.iterate()
  return out
}

async function secretToken(): Promise<string> {
  const res = await msal({ clientSecret: sim.credentials.clientSecret }).acquireTokenByClientCredential({
    scopes: ['https://graph.microsoft.com/.default'],
  })
  return res!.accessToken
}

describe('graph simulator with msal-node and microsoft-graph-client', () => {
  it('issues a token for the client secret', async () => {
    const res = await msal({ clientSecret: sim.credentials.clientSecret }).acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
    })
    expect(res?.accessToken).toMatch(/^ey/)
    expect(res?.expiresOn?.getTime()).toBeGreaterThan(Date.now() + 3_000_000)
  })

  it('issues a token for a certificate assertion and refuses a wrong secret', async () => {
    const der = new X509Certificate(certPem).raw
    const thumbprintSha256 = createHash('sha256').update(der).digest('hex')
    const res = await msal({
      clientCertificate: { thumbprintSha256, privateKey },
    }).acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
    })
    expect(res?.accessToken).toMatch(/^ey/)
    await expect(
      msal({ clientSecret: 'wrong' }).acquireTokenByClientCredential({
        scopes: ['https://graph.microsoft.com/.default'],
      }),
    ).rejects.toThrow(/invalid_client|AADSTS7000215/)
  })

  it('pages users, groups and a group members list', async () => {
    const client = graphClient(await secretToken())
    const first = await client.api('/users').select('id,displayName,accountEnabled,userType').top(7).get()
    expect(first['@odata.nextLink']).toMatch(new RegExp(`^${new URL(sim.graphBaseUrl).origin}/v1.0/users\\?`))
    const users = await all<{ id: string; accountEnabled: boolean; userType: string }>(client, first)
    expect(users).toHaveLength(30)
    expect(new Set(users.map((u) => u.id)).size).toBe(30)
    expect(users.filter((u) => !u.accountEnabled)).toHaveLength(3)
    expect(Object.keys(users[0]!).sort()).toEqual(['accountEnabled', 'displayName', 'id', 'userType'])

    const groups = await all<{ id: string; displayName: string }>(
      client,
      await client.api('/groups').top(4).get(),
    )
    expect(groups.map((g) => g.displayName)).toContain('All Staff')

    const members = await all<{ '@odata.type': string; id: string }>(
      client,
      await client
        .api(`/groups/${guid(2, 0)}/members`)
        .select('id,displayName,userPrincipalName')
        .top(10)
        .get(),
    )
    expect(members).toHaveLength(25)
    expect(members.every((m) => m['@odata.type'] === '#microsoft.graph.user')).toBe(true)

    const nested = await client.api(`/groups/${guid(2, 1)}/members`).get()
    expect(nested.value.map((m: { '@odata.type': string }) => m['@odata.type']).sort()).toEqual([
      '#microsoft.graph.group',
      '#microsoft.graph.user',
    ])
  })

  it('filters as the connectors do and answers Graph errors', async () => {
    const client = graphClient(await secretToken())
    const guests = await client.api('/users').filter("userType eq 'Guest'").select('id,userType').get()
    expect(guests.value.length).toBeGreaterThan(0)
    expect(guests.value.every((u: { userType: string }) => u.userType === 'Guest')).toBe(true)
    const ra = await client
      .api('/roleManagement/directory/roleAssignments')
      .filter(`principalId eq '${guid(1, 0)}'`)
      .get()
    expect(ra.value).toHaveLength(1)
    expect(ra.value[0]).not.toHaveProperty('createdDateTime')

    const err = await client
      .api('/users')
      .top(1000)
      .get()
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GraphError)
    expect((err as GraphError).statusCode).toBe(400)
    const missing = await client
      .api(`/groups/${guid(2, 99)}`)
      .get()
      .catch((e: unknown) => e)
    expect((missing as GraphError).statusCode).toBe(404)
    expect((missing as GraphError).code).toBe('Request_ResourceNotFound')
  })

  it('runs a delta round, then sees control-handle changes in the next round', async () => {
    const client = graphClient(await secretToken())
    // Round 1: groups with members; 25 members at chunks of 10 spread "All Staff" over several entries and pages.
    let page = await client.api('/groups/delta').select('displayName,members').get()
    const memberSets = new Map<string, Set<string>>()
    let pages = 0
    let deltaLink: string | undefined
    for (;;) {
      pages++
      for (const g of page.value as {
        id: string
        'members@delta'?: { id: string; '@removed'?: unknown }[]
      }[]) {
        const set = memberSets.get(g.id) ?? new Set<string>()
        for (const m of g['members@delta'] ?? [])
          if (m['@removed']) set.delete(m.id)
          else set.add(m.id)
        memberSets.set(g.id, set)
      }
      if (page['@odata.deltaLink']) {
        deltaLink = page['@odata.deltaLink']
        break
      }
      page = await client.api(page['@odata.nextLink']).get()
    }
    expect(pages).toBeGreaterThan(2)
    expect(memberSets.get(guid(2, 0))!.size).toBe(25)
    expect(memberSets.size).toBe(6)

    let usersPage = await client.api('/users/delta').select('id,displayName,accountEnabled').get()
    let usersDelta: string | undefined
    while (!usersDelta) {
      if (usersPage['@odata.deltaLink']) usersDelta = usersPage['@odata.deltaLink']
      else usersPage = await client.api(usersPage['@odata.nextLink']).get()
    }

    // Between rounds: membership changes and a disabled user, through the control handle.
    sim.control.addGroupMember!({ groupId: guid(2, 4), memberId: guid(1, 20) })
    sim.control.removeGroupMember!({ groupId: guid(2, 0), memberId: guid(1, 3) })
    sim.control.disableUser!({ userId: guid(1, 5) })

    const round2 = await client.api(deltaLink!).get()
    expect(round2['@odata.deltaLink']).toBeDefined()
    const byId = new Map(round2.value.map((g: { id: string }) => [g.id, g]))
    expect(byId.size).toBe(2)
    expect((byId.get(guid(2, 4)) as { 'members@delta': unknown[] })['members@delta']).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: guid(1, 20) },
    ])
    expect((byId.get(guid(2, 0)) as { 'members@delta': unknown[] })['members@delta']).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: guid(1, 3), '@removed': { reason: 'deleted' } },
    ])

    const users2 = await client.api(usersDelta).get()
    expect(users2.value).toEqual([{ id: guid(1, 5), displayName: 'User 5', accountEnabled: false }])

    // An idle round gives nothing and a fresh deltaLink.
    const idle = await client.api(round2['@odata.deltaLink']).get()
    expect(idle.value).toEqual([])

    // Expired tokens answer 410 with a Location to restart from.
    sim.control.expireDeltaTokens!({})
    const gone = await client
      .api(idle['@odata.deltaLink'])
      .get()
      .catch((e: unknown) => e)
    expect(gone).toBeInstanceOf(GraphError)
    expect((gone as GraphError).statusCode).toBe(410)
    expect((gone as GraphError).code).toBe('resyncRequired')
  })

  it('answers $batch with per-request statuses', async () => {
    const client = graphClient(await secretToken())
    const res = await client.api('/$batch').post({
      requests: [
        { id: '1', method: 'GET', url: `/servicePrincipals/${guid(4, 0)}/appRoleAssignedTo` },
        { id: '2', method: 'GET', url: `/users/${guid(1, 99)}` },
        { id: '3', method: 'GET', url: `/applications/${guid(3, 0)}/owners`, dependsOn: ['2'] },
      ],
    })
    const byId = Object.fromEntries(res.responses.map((r: { id: string }) => [r.id, r]))
    expect(byId['1'].status).toBe(200)
    expect(byId['1'].body.value[0].principalId).toBe(guid(1, 4))
    expect(byId['2'].status).toBe(404)
    expect(byId['3'].status).toBe(424)
    const tooMany = await client
      .api('/$batch')
      .post({
        requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/users' })),
      })
      .catch((e: unknown) => e)
    expect((tooMany as GraphError).statusCode).toBe(400)
  })

  it("recovers from a 429 through the client's RetryHandler, which honours Retry-After", async () => {
    const throttled = await startGraphSimulator(tinyGraphTenant(), {
      tls: material,
      rateLimits: { graph: { capacity: 1, windowMs: 1000 } },
      credentials: { clientId: sim.credentials.clientId, clientSecret: sim.credentials.clientSecret },
    })
    try {
      const token = await new ConfidentialClientApplication({
        auth: {
          clientId: throttled.credentials.clientId,
          authority: throttled.authority,
          knownAuthorities: [new URL(throttled.authority).host],
          clientSecret: throttled.credentials.clientSecret,
        },
      }).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] })
      const client = Client.init({
        baseUrl: new URL(throttled.graphBaseUrl).origin,
        defaultVersion: 'v1.0',
        customHosts: new Set([new URL(throttled.graphBaseUrl).hostname]),
        authProvider: (done) => done(null, token!.accessToken),
      })
      await client.api('/groups').get()
      const t0 = Date.now()
      const again = await client.api('/groups').get()
      expect(again.value).toHaveLength(6)
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900)
      expect(throttled.simulator.counter.snapshot().byStatus['429']).toBe(1)
    } finally {
      await throttled.close()
    }
  })
})

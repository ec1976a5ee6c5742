import nock from 'nock'
import { afterEach, beforeEach, expect, it } from 'vitest'
import type { ConnectorConfig } from '../../../../src/config/schema.ts'
import { OktaConfig } from '../../../../src/connectors/okta/config.ts'
import { silentLogger } from '../../../../src/core/logger.ts'
import type { Db } from '../../../../src/store/database.ts'
import { listCredentials } from '../../../../src/store/repositories/credentials.ts'
import { listEntitlements } from '../../../../src/store/repositories/entitlements.ts'
import { listGrants } from '../../../../src/store/repositories/grants.ts'
import { listIdentities } from '../../../../src/store/repositories/identities.ts'
import { runConnectorSync } from '../../../../src/sync/run-connector.ts'
import { useHttpMock } from '../../../helpers/http-mock.ts'
import { describeEachStore } from '../../../helpers/store.ts'
import { type FakeOrg, ORG, serveOrg, smallOrg } from './fake-okta.ts'

useHttpMock()

/** A store opens slowly on a busy machine (PGlite compiles its WASM): these tests get two minutes. */
const SLOW = 120_000

const config = OktaConfig.parse({
  id: 'okta',
  kind: 'okta',
  orgUrl: ORG,
  auth: { type: 'ssws', token: 'ssws-secret-token-value' },
  // Tiny pages: every listing spans several pages and several checkpoints.
  pageSize: 2,
  rateLimit: { concurrency: 2 },
}) as ConnectorConfig

const sync = (db: Db, opts: { full?: boolean; signal?: AbortSignal } = {}) =>
  runConnectorSync(db, config, { logger: silentLogger(), ...opts })

async function liveGrants(db: Db) {
  return (await listGrants(db, { source: 'okta' })).map(
    (g) => `${g.principalType}:${g.principalId}->${g.entitlementId}`,
  )
}

let savedNow: string | undefined
beforeEach(() => {
  savedNow = process.env.ACCORD_NOW
  process.env.ACCORD_NOW = '2026-11-29T10:00:00.000Z'
})
afterEach(() => {
  if (savedNow === undefined) delete process.env.ACCORD_NOW
  else process.env.ACCORD_NOW = savedNow
})

describeEachStore(import.meta.url, 'okta sync', (stores) => {
  it(
    'a full sync stores users of every status, groups, memberships, apps, group-assigned apps, roles and tokens',
    async () => {
      const store = await stores.open()
      const org = smallOrg()
      org.linkStyle = 'joined'
      serveOrg(org)
      const out = await sync(store.db)
      expect(out.error).toBeNull()
      expect(out.status).toBe('succeeded')

      const ids = await listIdentities(store.db, 'okta')
      const byId = Object.fromEntries(ids.map((i) => [i.externalId, i]))
      expect(Object.keys(byId).sort()).toEqual(['00T1', '00u1', '00u2', '00u3', '00u4', '00u5', '0oa2'])
      expect(byId['00u2']!.status).toBe('disabled') // DEPROVISIONED, only listed through search
      expect(byId['00u3']!.status).toBe('suspended')
      expect(byId['00u4']!.status).toBe('active') // LOCKED_OUT
      expect(byId['00u5']!.status).toBe('active') // STAGED
      expect(byId['00u1']).toMatchObject({
        kind: 'human',
        login: 'ann@acme.example',
        email: 'ann@acme.example',
      })
      expect(byId['0oa2']).toMatchObject({
        kind: 'service',
        owners: [],
        displayName: 'accord reader',
        login: '0oa2',
      })
      expect(byId['00T1']).toMatchObject({ kind: 'service', owners: ['00u1'] })
      expect(
        org.requests.filter((r) => r.startsWith('/api/v1/users?')).every((r) => r.includes('search=')),
      ).toBe(true)

      const ents = await listEntitlements(store.db, 'okta')
      expect(ents.map((e) => `${e.type}:${e.externalId}:${e.privileged}`).sort()).toEqual([
        'app:0oa1:false', // the API service app 0oa2 is an identity, not an entitlement
        'directory_role:READ_ONLY_ADMIN:true',
        'directory_role:SUPER_ADMIN:true',
        'group:00g1:false',
        'group:00g2:false',
        'group:00g3:false',
      ])

      expect((await liveGrants(store.db)).sort()).toEqual([
        'group:00g2->0oa1', // the app assigned to the group: held by the group
        'group:00g2->READ_ONLY_ADMIN', // a role assigned to a group
        'identity:00u1->00g1',
        'identity:00u1->0oa1',
        'identity:00u1->SUPER_ADMIN',
        'identity:00u2->00g1',
        'identity:00u3->00g1',
        'identity:00u4->00g2',
        // 00u4's GROUP-scoped app row is the inherited grant, not a direct one
      ])
      const appGrant = (await listGrants(store.db, { source: 'okta' })).find(
        (g) => g.principalId === '00u1' && g.entitlementId === '0oa1',
      )
      expect(appGrant?.grantedAt?.toISOString()).toBe('2026-10-01T10:00:00.000Z')

      const creds = await listCredentials(store.db, 'okta')
      expect(creds).toHaveLength(1)
      expect(creds[0]).toMatchObject({ identityId: '00T1', keyId: '00T1', type: 'api_token' })
      expect(creds[0]!.expiresAt?.toISOString()).toBe('2027-01-01T00:00:00.000Z')
      expect(out.streams.map((s) => `${s.stream}:${s.mode}:${s.status}`).sort()).toEqual([
        'api_tokens:full:succeeded',
        'apps:full:succeeded',
        'groups:full:succeeded',
        'roles:full:succeeded',
        'users:full:succeeded',
      ])
      await store.close()
    },
    SLOW,
  )

  it(
    'an incremental sync re-lists only changed groups whole, applies assignment log events, and reads only changed users',
    async () => {
      const store = await stores.open()
      const org = smallOrg()
      serveOrg(org)
      await sync(store.db)
      const fullRequests = org.requests.length

      // Between runs: 00u2 leaves Engineering and 00u5 joins it; 00u5 gets Salesforce; 00u3 is unsuspended.
      const later = '2026-11-29T11:00:00.000Z'
      const g1 = org.groups[0]!
      g1.members = ['00u1', '00u3', '00u5']
      g1.lastMembershipUpdated = later
      org.apps[0]!.users.push({ id: '00u5', scope: 'USER', created: later })
      org.logs.push({
        uuid: 'ev1',
        eventType: 'application.user_membership.add',
        published: later,
        target: [
          { id: '00u5', type: 'User' },
          { id: '0oa1', type: 'AppInstance' },
        ],
      })
      // A stale event for Engineering (re-listed whole this run: the listing wins) and one for Finance that
      // arrived after the groups were queried (Finance is not re-listed: the event is applied).
      org.logs.push({
        uuid: 'ev2',
        eventType: 'group.user_membership.add',
        published: later,
        target: [
          { id: '00u2', type: 'User' },
          { id: '00g1', type: 'UserGroup' },
        ],
      })
      org.logs.push({
        uuid: 'ev3',
        eventType: 'group.user_membership.add',
        published: later,
        target: [
          { id: '00u5', type: 'User' },
          { id: '00g2', type: 'UserGroup' },
        ],
      })
      // 00u3 becomes an app admin; 00u1 stops being a super admin (and so an admin at all).
      org.roles.push({ userId: '00u3', type: 'APP_ADMIN', label: 'Application Administrator' })
      org.roles = org.roles.filter((r) => r.userId !== '00u1')
      org.logs.push({
        uuid: 'ev4',
        eventType: 'user.account.privilege.grant',
        published: later,
        target: [{ id: '00u3', type: 'User' }],
      })
      // 00u2 (deprovisioned) is deleted: it leaves every listing, and only the log says so.
      org.users = org.users.filter((u) => u.id !== '00u2')
      org.logs.push({
        uuid: 'ev5',
        eventType: 'user.lifecycle.delete.completed',
        published: later,
        target: [{ id: '00u2', type: 'User' }],
      })
      const cat = org.users.find((u) => u.id === '00u3')!
      cat.status = 'ACTIVE'
      cat.lastUpdated = later
      org.requests.length = 0
      org.hits = {}
      process.env.ACCORD_NOW = '2026-11-29T12:00:00.000Z'

      const out = await sync(store.db)
      expect(out.error).toBeNull()
      expect(out.streams.every((s) => s.mode === 'incremental')).toBe(true)
      const grants = await liveGrants(store.db)
      expect(grants).toContain('identity:00u5->00g1')
      expect(grants).not.toContain('identity:00u2->00g1')
      expect(grants).toContain('identity:00u5->0oa1')
      expect(grants).toContain('identity:00u4->00g2')
      expect(grants).toContain('identity:00u5->00g2')
      expect(grants).toContain('identity:00u3->APP_ADMIN')
      expect(grants).not.toContain('identity:00u1->SUPER_ADMIN')
      // Only the new admin's roles were read; 00u4's were not read again.
      expect(org.requests.filter((r) => r.includes('/roles'))).toEqual(['/api/v1/users/00u3/roles'])
      const removed = (await listGrants(store.db, { source: 'okta', includeRemoved: true })).filter(
        (g) => g.removedAt,
      )
      expect(removed.map((g) => `${g.principalId}->${g.entitlementId}`).sort()).toEqual([
        '00u1->SUPER_ADMIN',
        '00u2->00g1',
      ])
      const after = await listIdentities(store.db, 'okta')
      expect(after.find((i) => i.externalId === '00u3')!.status).toBe('active')
      expect(after.find((i) => i.externalId === '00u2')).toMatchObject({ status: 'deleted' })
      expect(after.find((i) => i.externalId === '00u2')!.removedAt).not.toBeNull()

      // Only Engineering's members were read again; Salesforce's users because the log named it.
      expect(org.requests.filter((r) => r.startsWith('/api/v1/groups/'))).toEqual([
        '/api/v1/groups/00g1/users?limit=2',
        '/api/v1/groups/00g1/users?limit=2&after=2',
      ])
      expect(org.requests.filter((r) => r.startsWith('/api/v1/groups/00g2'))).toEqual([])
      expect(org.requests.filter((r) => r.startsWith('/api/v1/apps/0oa2/'))).toEqual([])
      expect(
        org.requests.filter((r) => r.startsWith('/api/v1/users?')).every((r) => r.includes('filter=')),
      ).toBe(true)
      // The log named a user assignment of Salesforce: its users are re-listed, its group assignments are not.
      expect(org.requests.filter((r) => r.startsWith('/api/v1/apps/0oa1/users'))).toHaveLength(2)
      expect(org.requests.filter((r) => r.startsWith('/api/v1/apps/0oa1/groups'))).toEqual([])
      // (The request savings show at scale: see the sandbox end-to-end test.)
      expect(fullRequests).toBeGreaterThan(0)
      await store.close()
    },
    SLOW,
  )

  it(
    'a user in a status accord does not know is listed and reported, not silently skipped',
    async () => {
      const store = await stores.open()
      const org = smallOrg()
      org.users[0]!.status = 'ARCHIVED'
      serveOrg(org)
      const out = await sync(store.db)
      expect(out.status).toBe('failed')
      expect(out.error).toMatch(/1 of 5 users records failed validation/)
      expect(out.streams.find((s) => s.stream === 'users')).toMatchObject({ status: 'failed', invalid: 1 })
      await store.close()
    },
    SLOW,
  )

  it(
    'a failed run removes nothing, and the next run completes the listing',
    async () => {
      const store = await stores.open()
      const org = smallOrg()
      serveOrg(org)
      await sync(store.db)
      org.groups[0]!.members = ['00u1']
      org.failNext = { template: '/api/v1/groups/{id}/users', status: 400 }
      const failed = await sync(store.db, { full: true })
      expect(failed.status).toBe('failed')
      expect(failed.error).toMatch(/groups/)
      expect(await liveGrants(store.db)).toContain('identity:00u2->00g1')
      const again = await sync(store.db, { full: true })
      expect(again.error).toBeNull()
      expect(await liveGrants(store.db)).not.toContain('identity:00u2->00g1')
      await store.close()
    },
    SLOW,
  )

  it(
    'a run killed mid-way resumes from its checkpoints: no page is lost or read twice without need',
    async () => {
      const store = await stores.open()
      const org = smallOrg()
      // A bigger org: 30 users, 2 per page.
      for (let i = 10; i < 40; i++) {
        org.users.push({
          id: `00u${i}`,
          status: 'ACTIVE',
          login: `u${i}@acme.example`,
          email: `u${i}@acme.example`,
          lastUpdated: '2026-11-01T00:00:00.000Z',
        })
      }
      serveOrg(org)
      const ac = new AbortController()
      const interceptor = org.requests.push.bind(org.requests)
      org.requests.push = (...items: string[]) => {
        // Stop the run while it reads the 8th users page.
        if (items.some((r) => r.startsWith('/api/v1/users?') && r.includes('after=14')))
          ac.abort(new Error('killed'))
        return interceptor(...items)
      }
      const killed = await sync(store.db, { signal: ac.signal })
      expect(killed.status).toBe('failed')
      const usersBefore = (await listIdentities(store.db, 'okta')).filter((i) => i.kind === 'human').length
      expect(usersBefore).toBeGreaterThanOrEqual(10)
      expect(usersBefore).toBeLessThan(35)

      org.requests.length = 0
      const resumed = await sync(store.db)
      expect(resumed.error).toBeNull()
      const userPages = org.requests.filter((r) => r.startsWith('/api/v1/users?'))
      // It carried on from the checkpoint instead of starting again at the first page.
      expect(userPages.some((r) => !r.includes('after='))).toBe(false)
      expect(resumed.streams.find((s) => s.stream === 'users')!.mode).toBe('full')
      expect((await listIdentities(store.db, 'okta')).filter((i) => i.kind === 'human')).toHaveLength(35)
      expect((await liveGrants(store.db)).sort()).toContain('identity:00u3->00g1')
      await store.close()
    },
    SLOW,
  )
})

afterEach(() => nock.abortPendingRequests())

export type { FakeOrg }

import { afterAll, beforeAll, expect, it } from 'vitest'
import { generateTlsMaterial } from '../../../src/sandbox/core/index.ts'
import { generateScenario, type SourceIntended } from '../../../src/sandbox/scenario/index.ts'
import type { Store } from '../../../src/store/open.ts'
import { describeEachStore } from '../../helpers/store.ts'
import { snapshot, startEntraSandbox, syncEntra } from './harness.ts'

/** What the scenario generator says a full sync must store, in the snapshot's row shape. */
function expected(i: SourceIntended) {
  const byId =
    <T>(f: (x: T) => string) =>
    (a: T, b: T) =>
      f(a) < f(b) ? -1 : f(a) > f(b) ? 1 : 0
  return {
    identities: i.identities
      .map((x) => ({
        external_id: x.externalId,
        kind: x.kind,
        login: x.login,
        email: x.email,
        upn: x.upn,
        display_name: x.displayName,
        status: x.status,
        owners: x.owners,
        created_at: x.createdAt,
      }))
      .sort(byId((x) => x.external_id)),
    entitlements: i.entitlements
      .map((x) => ({
        external_id: x.externalId,
        type: x.type,
        name: x.name,
        resource: x.resource,
        privileged: x.privileged,
      }))
      .sort(byId((x) => x.external_id)),
    grants: i.grants
      .map((x) => ({
        principal_type: x.principalType,
        principal_id: x.principalId,
        entitlement_id: x.entitlementId,
        granted_at: x.grantedAt,
      }))
      .sort(byId((x) => `${x.principal_id} ${x.entitlement_id}`)),
    credentials: i.credentials
      .map((x) => ({ identity_id: x.identityId, key_id: x.keyId, type: x.type, expires_at: x.expiresAt }))
      .sort(byId((x) => x.key_id)),
  }
}

const sortSnap = (s: Awaited<ReturnType<typeof snapshot>>) => ({
  ...s,
  grants: [...s.grants].sort((a, b) => {
    const ka = `${a.principal_id} ${a.entitlement_id}`
    const kb = `${b.principal_id} ${b.entitlement_id}`
    return ka < kb ? -1 : ka > kb ? 1 : 0
  }),
  entitlements: [...s.entitlements].sort((a, b) => (a.external_id < b.external_id ? -1 : 1)),
  identities: [...s.identities].sort((a, b) => (a.external_id < b.external_id ? -1 : 1)),
  credentials: [...s.credentials].sort((a, b) => (a.key_id < b.key_id ? -1 : 1)),
})

describeEachStore(
  import.meta.filename,
  'entra: the generated small tenant through the Graph simulator',
  (factory) => {
    let store: Store
    beforeAll(async () => {
      store = await factory.open()
    })
    afterAll(async () => {
      if (factory.kind === 'pglite') await store.close()
    })

    it('a full sync equals the generator’s intended Entra records; an incremental after changes converges with far fewer requests', async () => {
      const scenario = generateScenario({ seed: 1, size: 'small' })
      const sb = await startEntraSandbox(scenario.tenant.graph, {
        tls: await generateTlsMaterial(),
        scenarioNow: scenario.now,
        deltaPageSize: 10,
        memberChunk: 20,
      })
      try {
        const full = await syncEntra(store.db, sb.config, { full: true })
        expect(full.error).toBeNull()
        expect(sortSnap(await snapshot(store.db))).toEqual(expected(scenario.intended.entra))

        // Changes through the control handle, then an incremental run.
        const g = scenario.tenant.graph
        const group = Object.keys(g.members).find((id) => (g.members[id]?.length ?? 0) > 2)!
        const member = g.members[group]![0]!.id
        const user = g.users.find((u) => u.accountEnabled)!
        const outsider = g.users.find((u) => !g.members[group]!.some((m) => m.id === u.id))!
        sb.sim.control.removeGroupMember({ groupId: group, memberId: member })
        sb.sim.control.addGroupMember({ groupId: group, memberId: outsider.id })
        sb.sim.control.disableUser({ userId: user.id })
        const inc = await syncEntra(store.db, sb.config)
        expect(inc.error).toBeNull()
        const delta = (name: string) => inc.streams.find((s) => s.stream === name)!
        expect(delta('users').mode).toBe('incremental')
        expect(delta('groups').mode).toBe('incremental')
        expect(sortSnap(await snapshot(store.db))).toEqual(expected(scenario.intendedFor({}).entra))
        const reqs = (o: typeof inc, names: string[]) =>
          o.streams.filter((s) => names.includes(s.stream)).reduce((n, s) => n + s.stats.requests, 0)
        // Delta streams: far fewer requests than their full listing.
        expect(reqs(inc, ['users', 'groups'])).toBeLessThan(reqs(full, ['users', 'groups']) / 3)
      } finally {
        await sb.close()
      }
    })
  },
)

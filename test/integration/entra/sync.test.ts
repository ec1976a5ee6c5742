import { afterAll, beforeAll, expect, it } from 'vitest'
import { generateTlsMaterial, type TlsMaterial } from '../../../src/sandbox/core/index.ts'
import { ALL_READ_PERMISSIONS } from '../../../src/sandbox/graph/index.ts'
import type { Store } from '../../../src/store/open.ts'
import { streamCompleteness } from '../../../src/store/repositories/sync-runs.ts'
import { describeEachStore } from '../../helpers/store.ts'
import { guid, MICROSOFT_TENANT_ID, tinyGraphTenant } from '../sandbox/tiny-idp-tenant.ts'
import { snapshot, startEntraSandbox, syncEntra } from './harness.ts'

let material: TlsMaterial
beforeAll(async () => {
  material = await generateTlsMaterial()
})

describeEachStore(import.meta.filename, 'entra sync against the Graph simulator', (factory) => {
  let store: Store
  beforeAll(async () => {
    store = await factory.open()
  })
  afterAll(async () => {
    if (factory.kind === 'pglite') await store.close()
  })

  it('a full sync stores the tenant: users, groups and memberships across pages, NHIs, app roles, directory roles', async () => {
    const tenant = tinyGraphTenant({ users: 30, bigGroupMembers: 25 })
    const sb = await startEntraSandbox(tenant, {
      tls: material,
      deltaPageSize: 4,
      memberChunk: 7,
      defaultTop: 5,
    })
    try {
      const out = await syncEntra(store.db, sb.config)
      expect(out.error).toBeNull()
      expect(out.status).toBe('succeeded')
      const snap = await snapshot(store.db)
      const users = snap.identities.filter((i) => i.kind === 'human' || i.kind === 'guest')
      expect(users).toHaveLength(30)
      const u9 = users.find((u) => u.external_id === guid(1, 9))!
      expect(u9.status).toBe('disabled')
      expect(users.find((u) => u.external_id === guid(1, 10))!.kind).toBe('guest')
      // The big group's 25 members came over several pages (chunks of 7) and were merged.
      const allStaff = snap.grants.filter((g) => g.entitlement_id === guid(2, 0))
      expect(allStaff).toHaveLength(25)
      // Group-in-group membership is a grant held by a group.
      expect(snap.grants).toContainEqual(
        expect.objectContaining({
          principal_type: 'group',
          principal_id: guid(2, 2),
          entitlement_id: guid(2, 1),
        }),
      )
      // The Payroll SP is an NHI owned through its application; Microsoft Graph (first party) is left out.
      const nhis = snap.identities.filter((i) => i.kind === 'service' || i.kind === 'managed_identity')
      expect(nhis.map((n) => n.external_id)).toEqual([guid(4, 0)])
      expect(nhis[0]!.owners).toEqual([guid(1, 3)])
      expect(snap.credentials).toEqual([
        expect.objectContaining({ identity_id: guid(4, 0), key_id: guid(7, 0), type: 'secret' }),
      ])
      // App role assignment with its createdDateTime; directory role, privileged.
      expect(snap.grants).toContainEqual({
        principal_type: 'identity',
        principal_id: guid(1, 4),
        entitlement_id: `${guid(4, 0)}/${guid(6, 0)}`,
        granted_at: new Date('2025-03-01T00:00:00Z'),
      })
      const ga = snap.entitlements.find((e) => e.external_id === '62e90394-69f5-4237-9190-012177145e10')!
      expect(ga).toMatchObject({ type: 'directory_role', name: 'Global Administrator', privileged: true })
      expect(snap.grants).toContainEqual(
        expect.objectContaining({ principal_id: guid(1, 0), entitlement_id: ga.external_id }),
      )
      expect(out.streams.every((s) => s.status === 'succeeded')).toBe(true)
      expect(tenant.microsoftTenantId).toBe(MICROSOFT_TENANT_ID)
    } finally {
      await sb.close()
    }
  })
  it('an incremental sync after changes converges to what a full sync stores, with fewer requests', async () => {
    const sb = await startEntraSandbox(tinyGraphTenant({ users: 30 }), {
      tls: material,
      deltaPageSize: 4,
      memberChunk: 7,
      defaultTop: 5,
    })
    const inc = sb.as('inc')
    try {
      const first = await syncEntra(store.db, inc, { full: true })
      expect(first.status).toBe('succeeded')
      const c = sb.sim.control
      c.addGroupMember({ groupId: guid(2, 3), memberId: guid(1, 20) })
      c.removeGroupMember({ groupId: guid(2, 0), memberId: guid(1, 5) })
      c.disableUser({ userId: guid(1, 6) })
      c.deleteUser({ userId: guid(1, 4) })
      c.updateUser({ userId: guid(1, 7), changes: { mail: 'renamed7@contoso.example' } })
      c.addUser({
        user: {
          id: guid(1, 99),
          userPrincipalName: 'new99@contoso.example',
          mail: 'new99@contoso.example',
          displayName: 'New 99',
          accountEnabled: true,
          userType: 'Member',
          createdDateTime: '2026-11-01T00:00:00Z',
        },
      })
      c.assignAppRole({ resourceId: guid(4, 0), principalId: guid(2, 1), appRoleId: guid(6, 0) })
      c.assignDirectoryRole({
        principalId: guid(2, 2),
        roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10',
      })
      c.rotateAppSecret({ id: guid(3, 0) })

      const again = await syncEntra(store.db, inc)
      expect(again.error).toBeNull()
      const modes = Object.fromEntries(again.streams.map((s) => [s.stream, s.mode]))
      expect(modes.users).toBe('incremental')
      expect(modes.groups).toBe('incremental')
      const byStream = (o: typeof again, name: string) =>
        o.streams.find((s) => s.stream === name)!.stats.requests
      expect(byStream(again, 'users')).toBeLessThan(byStream(first, 'users'))
      expect(byStream(again, 'groups')).toBeLessThan(byStream(first, 'groups'))

      const full = await syncEntra(store.db, sb.as('incref'), { full: true })
      expect(full.error).toBeNull()
      const a = await snapshot(store.db, 'inc')
      const b = await snapshot(store.db, 'incref')
      expect(a).toEqual(b)
      // The changes are there.
      expect(a.identities.find((i) => i.external_id === guid(1, 4))).toBeUndefined()
      expect(a.identities.find((i) => i.external_id === guid(1, 6))!.status).toBe('disabled')
      expect(a.identities.find((i) => i.external_id === guid(1, 7))!.email).toBe('renamed7@contoso.example')
      expect(a.grants).toContainEqual(
        expect.objectContaining({ principal_id: guid(1, 20), entitlement_id: guid(2, 3) }),
      )
      expect(
        a.grants.find((g) => g.principal_id === guid(1, 5) && g.entitlement_id === guid(2, 0)),
      ).toBeUndefined()
      expect(a.grants).toContainEqual(
        expect.objectContaining({
          principal_type: 'group',
          principal_id: guid(2, 2),
          entitlement_id: '62e90394-69f5-4237-9190-012177145e10',
        }),
      )
      expect(a.grants).toContainEqual(
        expect.objectContaining({
          principal_type: 'group',
          principal_id: guid(2, 1),
          entitlement_id: `${guid(4, 0)}/${guid(6, 0)}`,
        }),
      )
      expect(a.credentials.map((k) => k.key_id)).not.toContain(guid(7, 0))
    } finally {
      await sb.close()
    }
  })

  it('falls back to a full resync when Graph answers 410 for the stored delta link', async () => {
    const sb = await startEntraSandbox(
      tinyGraphTenant({ users: 12 }),
      { tls: material, deltaPageSize: 5 },
      'resync',
    )
    try {
      expect((await syncEntra(store.db, sb.config)).status).toBe('succeeded')
      sb.sim.control.expireDeltaTokens({})
      sb.sim.control.removeGroupMember({ groupId: guid(2, 0), memberId: guid(1, 1) })
      const again = await syncEntra(store.db, sb.config)
      expect(again.error).toBeNull()
      const users = again.streams.find((s) => s.stream === 'users')!
      const groups = again.streams.find((s) => s.stream === 'groups')!
      expect(users.mode).toBe('full')
      expect(groups.mode).toBe('full')
      // The full round's completion removed the membership that went away.
      const snap = await snapshot(store.db, 'resync')
      expect(
        snap.grants.find((g) => g.principal_id === guid(1, 1) && g.entitlement_id === guid(2, 0)),
      ).toBeUndefined()
      expect(snap.identities.filter((i) => i.kind !== 'service')).toHaveLength(12)
    } finally {
      await sb.close()
    }
  })

  it('a run killed mid-way removes nothing, and the next run resumes to the full state without loss', async () => {
    const sb = await startEntraSandbox(
      tinyGraphTenant({ users: 40, bigGroupMembers: 35 }),
      { tls: material, deltaPageSize: 3, memberChunk: 4, defaultTop: 5 },
      'killed',
      // Commit every page, so the kill lands between commits.
      { deltaCommitRecords: 1 },
    )
    const ref = sb.as('killref')
    try {
      expect((await syncEntra(store.db, sb.config)).status).toBe('succeeded')
      const before = await snapshot(store.db, 'killed')
      sb.sim.control.removeGroupMember({ groupId: guid(2, 0), memberId: guid(1, 2) })
      // Kill a forced full run once it is a few pages into the groups listing.
      const ac = new AbortController()
      const counter = sb.sim.simulator.counter
      const startGroups = counter.get('GET /v1.0/groups/delta')
      const timer = setInterval(() => {
        if (counter.get('GET /v1.0/groups/delta') >= startGroups + 3) ac.abort(new Error('killed'))
      }, 1)
      const killed = await syncEntra(store.db, sb.config, { full: true, signal: ac.signal })
      clearInterval(timer)
      expect(killed.status).toBe('failed')
      // Nothing removed by the partial full listing, not even the membership that did go away.
      const during = await snapshot(store.db, 'killed')
      expect(during.grants).toEqual(before.grants)
      expect(during.identities).toEqual(before.identities)

      const resumed = await syncEntra(store.db, sb.config)
      expect(resumed.error).toBeNull()
      const groups = resumed.streams.find((s) => s.stream === 'groups')!
      expect(groups.mode).toBe('full')
      expect(await snapshot(store.db, 'killed')).toEqual(
        await (async () => {
          await syncEntra(store.db, ref, { full: true })
          return snapshot(store.db, 'killref')
        })(),
      )
      // Resumed from the checkpoint: fewer group pages than a whole listing.
      const whole = (await syncEntra(store.db, ref, { full: true })).streams.find(
        (s) => s.stream === 'groups',
      )!
      expect(groups.stats.requests).toBeLessThan(whole.stats.requests)
    } finally {
      await sb.close()
    }
  })
  it('streams without delta are re-listed on incremental runs only when their last listing is old enough', async () => {
    const sb = await startEntraSandbox(tinyGraphTenant({ users: 8 }), { tls: material }, 'relist', {
      relistMinutes: 60,
    })
    const at = (iso: string) => {
      process.env.ACCORD_NOW = iso
    }
    try {
      at('2026-11-29T10:00:00Z')
      expect((await syncEntra(store.db, sb.config)).status).toBe('succeeded')
      sb.sim.control.assignDirectoryRole({
        principalId: guid(1, 5),
        roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10',
      })
      at('2026-11-29T10:30:00Z')
      const soon = await syncEntra(store.db, sb.config)
      const roles = soon.streams.find((s) => s.stream === 'directory_roles')!
      expect(roles).toMatchObject({ status: 'succeeded', mode: 'incremental', records: 0 })
      expect(roles.stats.requests).toBe(0)
      at('2026-11-29T11:05:00Z')
      const later = await syncEntra(store.db, sb.config)
      expect(later.streams.find((s) => s.stream === 'directory_roles')!.mode).toBe('full')
      expect((await snapshot(store.db, 'relist')).grants).toContainEqual(
        expect.objectContaining({
          principal_id: guid(1, 5),
          entitlement_id: '62e90394-69f5-4237-9190-012177145e10',
        }),
      )
    } finally {
      delete process.env.ACCORD_NOW
      await sb.close()
    }
  })
  it('a stream that fails is incomplete and removes nothing; the others complete; the next success restores it', async () => {
    const sb = await startEntraSandbox(tinyGraphTenant({ users: 10 }), { tls: material }, 'partial')
    const GA = '62e90394-69f5-4237-9190-012177145e10'
    try {
      expect((await syncEntra(store.db, sb.config)).status).toBe('succeeded')
      sb.sim.control.setPermissions({
        permissions: ALL_READ_PERMISSIONS.filter((p) => p !== 'RoleManagement.Read.Directory'),
      })
      sb.sim.control.removeGroupMember({ groupId: guid(2, 1), memberId: guid(1, 1) })
      const failed = await syncEntra(store.db, sb.config)
      expect(failed.status).toBe('failed')
      expect(failed.error).toMatch(/directory_roles: .*403/)
      const status = Object.fromEntries(failed.streams.map((x) => [x.stream, x.status]))
      expect(status).toMatchObject({ users: 'succeeded', groups: 'succeeded', directory_roles: 'failed' })
      const complete = async () =>
        Object.fromEntries((await streamCompleteness(store.db, 'partial')).map((c) => [c.stream, c.complete]))
      expect(await complete()).toMatchObject({ users: true, groups: true, directory_roles: false })
      const snap = await snapshot(store.db, 'partial')
      // The role grant stays; the membership that went away is gone (the groups stream succeeded).
      expect(snap.grants).toContainEqual(
        expect.objectContaining({ principal_id: guid(1, 0), entitlement_id: GA }),
      )
      expect(
        snap.grants.find((g) => g.principal_id === guid(1, 1) && g.entitlement_id === guid(2, 1)),
      ).toBeUndefined()

      sb.sim.control.setPermissions({ permissions: ALL_READ_PERMISSIONS })
      expect((await syncEntra(store.db, sb.config)).status).toBe('succeeded')
      expect(await complete()).toMatchObject({ directory_roles: true })
    } finally {
      await sb.close()
    }
  })
})

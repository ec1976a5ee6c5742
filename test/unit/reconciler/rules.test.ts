import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Store } from '../../../src/store/open.ts'
import { describeEachStore } from '../../helpers/store.ts'
import { days, ent, grant, hours, nhi, open, openKeys, person, reset, run, sync, ticket } from './world.ts'

const ann = person('entra', 'u-ann', 'Ann.Lee@Contoso.com')
const bob = person('entra', 'u-bob', 'bob@contoso.com')
const vpn = ent('entra', 'g-vpn', 'VPN')
const fin = ent('entra', 'g-fin', 'Finance')

describeEachStore(import.meta.url, 'drift rules', (factory) => {
  let store: Store
  beforeAll(async () => {
    store = await factory.open()
  })
  beforeEach(async () => reset(store.db))

  describe('ACC-001 and coverage', () => {
    it('fires on a grant no ticket covers, and not on one a ticket covers', async () => {
      await sync(store.db, {
        identities: [ann, bob],
        entitlements: [vpn, fin],
        grants: [grant('entra', 'u-ann', 'g-vpn'), grant('entra', 'u-bob', 'g-fin')],
        tickets: [ticket('ann.lee@contoso.com', ['VPN'])],
      })
      await run(store.db)
      expect(await openKeys(store.db)).toEqual(['ACC-001 bob@contoso.com Finance -'])
    })

    it('matches a beneficiary that differs from the directory email only in case', async () => {
      await sync(store.db, {
        identities: [ann],
        entitlements: [vpn],
        grants: [grant('entra', 'u-ann', 'g-vpn')],
        tickets: [ticket('ANN.LEE@CONTOSO.COM', ['vpn'])],
      })
      await run(store.db)
      expect(await openKeys(store.db)).toEqual([])
    })

    it('applies domain aliases to ticket beneficiaries', async () => {
      const t = ticket('ann.lee@contoso.onmicrosoft.com', ['VPN'])
      await sync(store.db, {
        identities: [ann],
        entitlements: [vpn],
        grants: [grant('entra', 'u-ann', 'g-vpn')],
        tickets: [t],
      })
      await run(store.db)
      // Without the alias the beneficiary is nobody: the grant is uncovered and the ticket unresolvable.
      expect(await openKeys(store.db)).toEqual([
        'ACC-001 ann.lee@contoso.com VPN -',
        `ACC-012 - VPN ${t.key}`,
      ])
      await run(store.db, { identities: { domainAliases: { 'contoso.onmicrosoft.com': 'contoso.com' } } })
      expect(await openKeys(store.db)).toEqual([])
    })

    it('does not cover a grant with a ticket raised after it (beyond the tolerance)', async () => {
      await sync(store.db, {
        identities: [ann],
        entitlements: [vpn],
        grants: [grant('entra', 'u-ann', 'g-vpn', days(50))],
        tickets: [ticket('ann.lee@contoso.com', ['VPN'], { createdAt: days(42) })],
      })
      await run(store.db)
      expect(await openKeys(store.db)).toEqual(['ACC-001 ann.lee@contoso.com VPN -'])
    })

    it('covers a membership by a ticket for the app role assigned to that group', async () => {
      const app = ent('entra', 'r-pay', 'Payroll:User', { type: 'app_role', resource: 'Payroll' })
      await sync(store.db, {
        identities: [ann],
        entitlements: [vpn, app],
        grants: [grant('entra', 'u-ann', 'g-vpn'), grant('entra', 'g-vpn', 'r-pay', days(100), 'group')],
        tickets: [ticket('ann.lee@contoso.com', ['Payroll:User'])],
      })
      await run(store.db)
      expect(await openKeys(store.db)).toEqual([])
    })

    it('covers through the group ticket: inherited access of a nested group raises nothing of its own', async () => {
      const parent = ent('entra', 'g-all', 'All Staff Apps')
      await sync(store.db, {
        identities: [ann],
        entitlements: [vpn, parent],
        grants: [grant('entra', 'u-ann', 'g-vpn'), grant('entra', 'g-vpn', 'g-all', days(100), 'group')],
        tickets: [ticket('ann.lee@contoso.com', ['VPN'])],
      })
      await run(store.db)
      expect(await openKeys(store.db)).toEqual([])
      // The inherited access is evidence on the membership that confers it.
      const { sql } = await import('kysely')
      const ev = await sql<{ detail: { confers?: string[] } }>`select detail from evidence_matches`.execute(
        store.db,
      )
      expect(ev.rows.map((r) => r.detail.confers)).toEqual([['All Staff Apps']])
    })

    it("finds the covering ticket among a subject's many (the long-list index), through the app role a group confers", async () => {
      // More tickets than the scan limit: the subject's targets are looked up by entitlement.
      const others = Array.from({ length: 20 }, (_, i) => ent('entra', `g-other-${i}`, `Other ${i}`))
      const app = ent('entra', 'r-pay', 'Payroll:User', { type: 'app_role', resource: 'Payroll' })
      const data = {
        identities: [ann],
        entitlements: [vpn, app, ...others],
        grants: [
          grant('entra', 'u-ann', 'g-vpn'),
          grant('entra', 'g-vpn', 'r-pay', days(100), 'group'),
          ...others.map((o) => grant('entra', 'u-ann', o.externalId)),
        ],
      }
      const otherTickets = others.map((o) => ticket('ann.lee@contoso.com', [o.name]))
      await sync(store.db, {
        ...data,
        tickets: [...otherTickets, ticket('ann.lee@contoso.com', ['Payroll:User'])],
      })
      await run(store.db)
      expect(await openKeys(store.db)).toEqual([])
      // Without that one ticket the membership is uncovered, whatever else she asked for.
      await reset(store.db)
      await sync(store.db, { ...data, tickets: otherTickets })
      await run(store.db)
      expect(await openKeys(store.db)).toEqual(['ACC-001 ann.lee@contoso.com VPN -'])
    })

    it('survives nested group cycles', async () => {
      await sync(store.db, {
        identities: [ann],
        entitlements: [vpn, fin],
        grants: [
          grant('entra', 'u-ann', 'g-vpn'),
          grant('entra', 'g-vpn', 'g-fin', days(100), 'group'),
          grant('entra', 'g-fin', 'g-vpn', days(100), 'group'),
        ],
        tickets: [ticket('ann.lee@contoso.com', ['Finance'])],
      })
      await run(store.db)
      // Finance is conferred by the VPN membership (through the cycle): the ticket for it covers the grant.
      expect(await openKeys(store.db)).toEqual([])
    })

    it('is covered by birthright and by an accepted baseline', async () => {
      await sync(store.db, {
        identities: [ann],
        entitlements: [vpn, fin],
        grants: [grant('entra', 'u-ann', 'g-vpn'), grant('entra', 'u-ann', 'g-fin')],
      })
      await run(store.db, {
        birthright: [{ name: 'vpn' }],
        baseline: [
          {
            identity: 'ann.lee@contoso.com',
            entitlement: { name: 'Finance' },
            acceptedBy: 'ciso@contoso.com',
            acceptedAt: days(1).toISOString(),
          },
        ],
      })
      expect(await openKeys(store.db)).toEqual([])
    })
  })

  describe('ACC-006', () => {
    it('does not fire when approval came after the request but before provisioning', async () => {
      await sync(store.db, {
        identities: [ann],
        entitlements: [vpn],
        grants: [grant('entra', 'u-ann', 'g-vpn', days(40))],
        tickets: [
          ticket('ann.lee@contoso.com', ['VPN'], {
            createdAt: days(42),
            approvals: [{ approver: 'boss@contoso.com', decision: 'approved', decidedAt: days(41) }],
          }),
        ],
      })
      await run(store.db)
      expect(await openKeys(store.db)).toEqual([])
    })

    it('fires when the vendor says it was granted before the approval', async () => {
      const t = ticket('ann.lee@contoso.com', ['VPN'], {
        createdAt: days(42),
        approvals: [{ approver: 'boss@contoso.com', decision: 'approved', decidedAt: days(39) }],
      })
      await sync(store.db, {
        identities: [ann],
        entitlements: [vpn],
        grants: [grant('entra', 'u-ann', 'g-vpn', days(41))],
        tickets: [t],
      })
      await run(store.db)
      expect(await openKeys(store.db)).toEqual([`ACC-006 ann.lee@contoso.com VPN ${t.key}`])
    })
  })

  describe('grant precedence', () => {
    it('a revoked but present grant is ACC-003 only', async () => {
      const g = ticket('ann.lee@contoso.com', ['VPN'], {
        createdAt: days(60),
        closedAt: days(58),
        updatedAt: days(58),
        approvals: [{ approver: 'boss@contoso.com', decision: 'approved', decidedAt: days(59.5) }],
      })
      const r = ticket('ann.lee@contoso.com', ['VPN'], {
        kind: 'revoke',
        createdAt: days(10),
        closedAt: days(9),
        updatedAt: days(9),
        approvals: [],
      })
      await sync(store.db, {
        identities: [ann],
        entitlements: [vpn],
        grants: [grant('entra', 'u-ann', 'g-vpn', days(59))],
        tickets: [g, r],
      })
      await run(store.db)
      expect(await openKeys(store.db)).toEqual([`ACC-003 ann.lee@contoso.com VPN ${r.key}`])
    })

    it('a revoke still inside its grace is not drift yet', async () => {
      const g = ticket('ann.lee@contoso.com', ['VPN'], {
        createdAt: days(60),
        closedAt: days(58),
        updatedAt: days(58),
        approvals: [{ approver: 'boss@contoso.com', decision: 'approved', decidedAt: days(59.5) }],
      })
      const r = ticket('ann.lee@contoso.com', ['VPN'], {
        kind: 'revoke',
        createdAt: hours(3),
        closedAt: hours(2),
        updatedAt: hours(2),
        approvals: [],
      })
      await sync(store.db, {
        identities: [ann],
        entitlements: [vpn],
        grants: [grant('entra', 'u-ann', 'g-vpn', days(59))],
        tickets: [g, r],
      })
      await run(store.db)
      expect(await openKeys(store.db)).toEqual([])
    })

    it('a disabled identity is ACC-011 only, even with a revoke ticket', async () => {
      const r = ticket('ann.lee@contoso.com', ['VPN'], {
        kind: 'revoke',
        createdAt: days(10),
        closedAt: days(9),
        updatedAt: days(9),
        approvals: [],
      })
      await sync(store.db, {
        identities: [{ ...ann, status: 'disabled' }],
        entitlements: [vpn],
        grants: [grant('entra', 'u-ann', 'g-vpn', days(59))],
        tickets: [r],
      })
      await run(store.db)
      expect(await openKeys(store.db)).toEqual(['ACC-011 ann.lee@contoso.com VPN -'])
    })

    it('a rejected request with the access present is ACC-007, not ACC-001', async () => {
      const t = ticket('ann.lee@contoso.com', ['VPN'], {
        state: 'rejected',
        approval: 'rejected',
        approvals: [{ approver: 'boss@contoso.com', decision: 'rejected', decidedAt: days(41) }],
      })
      await sync(store.db, {
        identities: [ann],
        entitlements: [vpn],
        grants: [grant('entra', 'u-ann', 'g-vpn', days(40))],
        tickets: [t],
      })
      await run(store.db)
      expect(await openKeys(store.db)).toEqual([`ACC-007 ann.lee@contoso.com VPN ${t.key}`])
    })

    it('temporary access is ACC-005 after its end plus the grace, and covered within the grace', async () => {
      const t = ticket('ann.lee@contoso.com', ['VPN'], { expiresAt: hours(3) })
      await sync(store.db, {
        identities: [ann],
        entitlements: [vpn],
        grants: [grant('entra', 'u-ann', 'g-vpn', days(40))],
        tickets: [t],
      })
      await run(store.db)
      expect(await openKeys(store.db)).toEqual([`ACC-005 ann.lee@contoso.com VPN ${t.key}`])
      await reset(store.db)
      const inGrace = ticket('ann.lee@contoso.com', ['VPN'], {
        expiresAt: new Date(Date.parse(hours(0).toISOString()) - 30 * 60_000),
      })
      await sync(store.db, {
        identities: [ann],
        entitlements: [vpn],
        grants: [grant('entra', 'u-ann', 'g-vpn', days(40))],
        tickets: [inGrace],
      })
      await run(store.db)
      expect(await openKeys(store.db)).toEqual([])
    })

    it('an app role other than the one requested on the same app is ACC-004', async () => {
      const user = ent('entra', 'r-user', 'Payroll:User', { type: 'app_role', resource: 'Payroll' })
      const admin = ent('entra', 'r-admin', 'Payroll:Admin', { type: 'app_role', resource: 'Payroll' })
      const t = ticket('ann.lee@contoso.com', ['Payroll:User'])
      await sync(store.db, {
        identities: [ann],
        entitlements: [user, admin],
        grants: [grant('entra', 'u-ann', 'r-user', days(40)), grant('entra', 'u-ann', 'r-admin', days(40))],
        tickets: [t],
      })
      await run(store.db)
      const found = await open(store.db)
      expect(found.map((f) => [f.rule, f.entitlement?.name, f.ticket?.key, f.severity])).toEqual([
        ['ACC-004', 'Payroll:Admin', t.key, 'high'],
      ])
    })
  })

  describe('ticket rules', () => {
    it('ACC-002: a fulfilled ticket for an app role assigned to a parent group does not reach nested members', async () => {
      const outer = ent('entra', 'g-outer', 'Outer')
      const role = ent('entra', 'r-x', 'App:Reader', { type: 'app_role', resource: 'App' })
      const tg = ticket('ann.lee@contoso.com', ['VPN'])
      const tr = ticket('ann.lee@contoso.com', ['App:Reader'])
      await sync(store.db, {
        identities: [ann],
        entitlements: [vpn, outer, role],
        grants: [
          grant('entra', 'u-ann', 'g-vpn'),
          grant('entra', 'g-vpn', 'g-outer', days(100), 'group'),
          grant('entra', 'g-outer', 'r-x', days(100), 'group'),
        ],
        tickets: [tg, tr],
      })
      await run(store.db)
      expect(await openKeys(store.db)).toEqual([`ACC-002 ann.lee@contoso.com App:Reader ${tr.key}`])
    })

    it('ACC-002 waits for the fulfilment grace and is silenced by a later revoke', async () => {
      const recent = ticket('ann.lee@contoso.com', ['VPN'], { closedAt: hours(2), updatedAt: hours(2) })
      const old = ticket('ann.lee@contoso.com', ['Finance'])
      const rev = ticket('ann.lee@contoso.com', ['Finance'], {
        kind: 'revoke',
        closedAt: days(5),
        updatedAt: days(5),
        createdAt: days(6),
        approvals: [],
      })
      await sync(store.db, { identities: [ann], entitlements: [vpn, fin], tickets: [recent, old, rev] })
      await run(store.db)
      expect(await openKeys(store.db)).toEqual([])
    })

    it('ACC-008 self-approval and ACC-009 approver without authority', async () => {
      const self = ticket('ann.lee@contoso.com', ['VPN'], {
        approvals: [{ approver: 'Ann.Lee@contoso.com', decision: 'approved', decidedAt: days(41) }],
      })
      const unauth = ticket('bob@contoso.com', ['Finance'])
      await sync(store.db, {
        identities: [ann, bob],
        entitlements: [vpn, fin],
        grants: [grant('entra', 'u-ann', 'g-vpn', days(40)), grant('entra', 'u-bob', 'g-fin', days(40))],
        tickets: [self, unauth],
      })
      await run(store.db, {
        approvers: [{ entitlements: [{ name: 'Finance' }], approvers: ['cfo@contoso.com'] }],
      })
      // Neither ticket covers its grant: self-approved, or approved by someone without authority.
      expect(await openKeys(store.db)).toEqual([
        'ACC-001 ann.lee@contoso.com VPN -',
        'ACC-001 bob@contoso.com Finance -',
        `ACC-008 ann.lee@contoso.com - ${self.key}`,
        `ACC-009 bob@contoso.com Finance ${unauth.key}`,
      ])
    })

    it('ACC-012: unknown and ambiguous targets, unknown beneficiaries and unmappable tickets', async () => {
      const okVpn = ent('okta', '00g1', 'VPN')
      const unknown = ticket('ann.lee@contoso.com', ['Nonexistent'])
      const ambiguous = ticket('ann.lee@contoso.com', ['vpn'])
      const scoped = ticket('ann.lee@contoso.com', [{ system: 'okta', entitlement: 'VPN' }], {
        state: 'approved',
        closedAt: null,
      })
      const nobody = ticket('ghost@contoso.com', ['Finance'], { state: 'approved', closedAt: null })
      const unmappable = ticket(null, [], { unmappable: 'kind: no value for "Add access"' })
      await sync(store.db, {
        identities: [ann],
        entitlements: [vpn, fin, okVpn],
        tickets: [unknown, ambiguous, scoped, nobody, unmappable],
      })
      await run(store.db)
      const found = await open(store.db)
      expect(
        found
          .map((f) => [
            f.rule,
            f.identity?.key ?? null,
            f.entitlement?.name ?? null,
            f.entitlement?.externalId ?? null,
            f.ticket?.key,
          ])
          .sort(),
      ).toEqual(
        [
          ['ACC-012', 'ann.lee@contoso.com', 'Nonexistent', null, unknown.key],
          ['ACC-012', 'ann.lee@contoso.com', 'vpn', null, ambiguous.key],
          ['ACC-012', null, 'Finance', 'g-fin', nobody.key],
          ['ACC-012', null, null, null, unmappable.key],
        ].sort(),
      )
    })
  })

  describe('ACC-010', () => {
    it('one finding per person and pair, on the side granted last, inherited sides included', async () => {
      const create = ent('entra', 'r-c', 'Payments-Create', { type: 'app_role', resource: 'Payroll' })
      const approve = ent('entra', 'r-a', 'Payments-Approve', { type: 'app_role', resource: 'Payroll' })
      await sync(store.db, {
        identities: [ann],
        entitlements: [vpn, create, approve],
        grants: [
          grant('entra', 'u-ann', 'r-c', days(30)),
          grant('entra', 'u-ann', 'g-vpn', days(20)),
          grant('entra', 'g-vpn', 'r-a', days(100), 'group'),
        ],
      })
      await run(store.db, {
        birthright: [{ source: 'entra' }],
        sod: [{ name: 'pay', entitlements: [{ name: 'Payments-Create' }, { name: 'Payments-Approve' }] }],
      })
      const found = await open(store.db)
      expect(
        found.map((f) => [
          f.rule,
          f.severity,
          f.entitlement?.name,
          (f.evidence.other as { name: string }).name,
        ]),
      ).toEqual([['ACC-010', 'critical', 'Payments-Approve', 'Payments-Create']])
    })
  })

  describe('NHI rules', () => {
    it('owner, lifecycle ticket and stale credentials', async () => {
      const sp = nhi('entra', 'sp-1', 'billing-sync')
      const owned = nhi('entra', 'sp-2', 'crm-sync', { owners: ['ann.lee@contoso.com'] })
      const mi = nhi('entra', 'mi-1', 'mi-batch', { kind: 'managed_identity' })
      const sa = ticket('crm-sync', [], { kind: 'service_account' })
      await sync(store.db, {
        identities: [sp, owned, mi],
        credentials: [
          {
            source: 'entra',
            identityId: 'sp-2',
            keyId: 'k-old',
            type: 'secret',
            displayName: 'old',
            createdAt: days(400),
            expiresAt: null,
            lastUsedAt: null,
          },
          {
            source: 'entra',
            identityId: 'sp-2',
            keyId: 'k-exp',
            type: 'certificate',
            displayName: 'cert',
            createdAt: days(100),
            expiresAt: days(1),
            lastUsedAt: null,
          },
          {
            source: 'entra',
            identityId: 'sp-2',
            keyId: 'k-ok',
            type: 'secret',
            displayName: 'ok',
            createdAt: days(100),
            expiresAt: days(-100),
            lastUsedAt: null,
          },
        ],
        tickets: [sa],
      })
      await run(store.db, { nhi: { owners: { 'mi-*': ['ops@contoso.com'] } } })
      const found = await open(store.db)
      expect(found.map((f) => [f.rule, f.identity?.key, f.credentialKeyId]).sort()).toEqual([
        ['NHI-001', 'entra:sp-1', null],
        ['NHI-002', 'entra:mi-1', null],
        ['NHI-002', 'entra:sp-1', null],
        ['NHI-003', 'entra:sp-2', 'k-exp'],
        ['NHI-003', 'entra:sp-2', 'k-old'],
      ])
    })
  })

  describe('severity and policy', () => {
    it('raises privileged findings one level after the policy override, and honours disabled rules', async () => {
      const admin = ent('entra', 'role-ga', 'Global Administrator', {
        type: 'directory_role',
        privileged: true,
      })
      await sync(store.db, {
        identities: [ann, bob],
        entitlements: [admin, vpn],
        grants: [grant('entra', 'u-ann', 'role-ga'), grant('entra', 'u-bob', 'g-vpn')],
      })
      await run(store.db, { rules: { 'ACC-001': { severity: 'medium' } }, privileged: [{ name: 'VP*' }] })
      const found = await open(store.db)
      expect(found.map((f) => [f.entitlement?.name, f.severity]).sort()).toEqual([
        ['Global Administrator', 'high'],
        ['VPN', 'high'],
      ])
      await run(store.db, { rules: { 'ACC-001': { enabled: false } } })
      expect(await open(store.db)).toEqual([])
    })

    it('an active exception suppresses; an expired one no longer does', async () => {
      await sync(store.db, {
        identities: [ann],
        entitlements: [vpn],
        grants: [grant('entra', 'u-ann', 'g-vpn')],
      })
      const exception = (expires: Date) => ({
        exceptions: [
          {
            rule: 'ACC-001' as const,
            entitlement: { name: 'VPN' },
            reason: 'lab',
            expires: expires.toISOString(),
          },
        ],
      })
      await run(store.db, exception(days(-10)))
      expect(await open(store.db)).toEqual([])
      await run(store.db, exception(days(1)))
      expect(await openKeys(store.db)).toEqual(['ACC-001 ann.lee@contoso.com VPN -'])
    })
  })

  it('evidence survives the covering ticket leaving the look-back window', async () => {
    await sync(store.db, {
      identities: [ann],
      entitlements: [vpn],
      grants: [grant('entra', 'u-ann', 'g-vpn', days(40))],
      tickets: [ticket('ann.lee@contoso.com', ['VPN'])],
    })
    await run(store.db)
    const { sql } = await import('kysely')
    const ev = await sql<{
      covered_by: string
      ticket_key: string
    }>`select covered_by, ticket_key from evidence_matches`.execute(store.db)
    expect(ev.rows).toEqual([{ covered_by: 'ticket', ticket_key: expect.stringMatching(/^RITM/) }])
    // Move the ticket out of the window: the recorded coverage still stands.
    await sql`update tickets set created_at = created_at - interval '500 days'`.execute(store.db)
    await run(store.db)
    expect(await openKeys(store.db)).toEqual([])
  })
})

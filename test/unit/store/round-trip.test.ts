import { expect, it } from 'vitest'
import type {
  ObservedCredential,
  ObservedEntitlement,
  ObservedGrant,
  ObservedIdentity,
  ObservedTicket,
} from '../../../src/connectors/types.ts'
import { migrateToLatest } from '../../../src/store/migrate.ts'
import { listCredentials, upsertCredentials } from '../../../src/store/repositories/credentials.ts'
import { listEntitlements, upsertEntitlements } from '../../../src/store/repositories/entitlements.ts'
import { listGrants, upsertGrants } from '../../../src/store/repositories/grants.ts'
import { listIdentities, upsertIdentities } from '../../../src/store/repositories/identities.ts'
import { listTickets, upsertTickets } from '../../../src/store/repositories/tickets.ts'
import { describeEachStore } from '../../helpers/store.ts'

const t0 = new Date('2026-11-01T10:00:00.000Z')
const t1 = new Date('2026-11-02T11:30:00.000Z')
const seen = (at: Date, generation = 1) => ({ stream: 's', generation, at })

const identity: ObservedIdentity = {
  source: 'entra',
  externalId: 'u-1',
  kind: 'guest',
  login: null,
  email: 'Ada.Lovelace@Contoso.com',
  upn: 'ada_contoso.com#EXT#@fabrikam.onmicrosoft.com',
  displayName: 'Ada Lovelace — ünïcødé',
  status: 'suspended',
  owners: ['owner-1', 'owner-2'],
  createdAt: t0,
}
const entitlement: ObservedEntitlement = {
  source: 'entra',
  externalId: 'g-1',
  type: 'app_role',
  name: 'Finance "Approvers", Tier 1',
  resource: 'SAP',
  privileged: true,
  owners: [],
}
const grant: ObservedGrant = {
  source: 'entra',
  principalType: 'identity',
  principalId: 'u-1',
  entitlementId: 'g-1',
  grantedAt: t0,
}
const credential: ObservedCredential = {
  source: 'entra',
  identityId: 'sp-1',
  keyId: 'k-1',
  type: 'certificate',
  displayName: null,
  createdAt: t0,
  expiresAt: t1,
  lastUsedAt: null,
}
const ticket: ObservedTicket = {
  source: 'servicenow',
  externalId: 'abc123',
  key: 'RITM0010001',
  url: 'https://x.service-now.com/sc_req_item.do?sys_id=abc123',
  kind: 'revoke',
  state: 'fulfilled',
  approval: 'approved',
  requester: 'boss@contoso.com',
  beneficiary: 'ada.lovelace@contoso.com',
  targets: [
    { system: 'entra', entitlement: 'Finance "Approvers", Tier 1' },
    { system: null, entitlement: 'g-2' },
  ],
  approvals: [
    { approver: 'boss@contoso.com', decision: 'approved', decidedAt: t0 },
    { approver: 'ciso@contoso.com', decision: 'pending', decidedAt: null },
  ],
  justification: "needs it for Q4; O'Brien's team",
  expiresAt: t1,
  createdAt: t0,
  updatedAt: t1,
  closedAt: t1,
  unmappable: null,
}

describeEachStore(import.meta.url, 'store round trip', (factory) => {
  it('keeps every field of every synced model type', async () => {
    const store = await factory.open()
    try {
      const db = store.db
      await upsertIdentities(db as never, [identity], seen(t0))
      await upsertEntitlements(db as never, [entitlement], seen(t0))
      await upsertGrants(db as never, [grant], seen(t0))
      await upsertCredentials(db as never, [credential], seen(t0))
      await upsertTickets(db as never, [ticket], seen(t0))

      expect(await listIdentities(db)).toEqual([
        { ...identity, firstSeen: t0, lastSeen: t0, removedAt: null },
      ])
      expect(await listEntitlements(db)).toEqual([
        { ...entitlement, firstSeen: t0, lastSeen: t0, removedAt: null },
      ])
      expect(await listGrants(db)).toEqual([
        { ...grant, firstSeen: t0, lastSeen: t0, removedAt: null, stream: 's' },
      ])
      expect(await listCredentials(db)).toEqual([
        { ...credential, firstSeen: t0, lastSeen: t0, removedAt: null },
      ])
      expect(await listTickets(db)).toEqual([{ ...ticket, removedAt: null }])
    } finally {
      await store.close()
    }
  })

  it('a second sighting keeps first_seen, moves last_seen and replaces approvals', async () => {
    const store = await factory.open()
    try {
      const db = store.db
      await upsertGrants(db as never, [grant], seen(t0))
      await upsertGrants(db as never, [{ ...grant, grantedAt: null }], seen(t1, 2))
      const [g] = await listGrants(db)
      expect(g).toMatchObject({ firstSeen: t0, lastSeen: t1, grantedAt: t0 })

      await upsertTickets(db as never, [ticket], seen(t0))
      await upsertTickets(db as never, [{ ...ticket, approvals: [ticket.approvals[1]!] }], seen(t1, 2))
      const [tk] = await listTickets(db)
      expect(tk!.approvals).toEqual([ticket.approvals[1]])
    } finally {
      await store.close()
    }
  })

  it('a batch with the same key twice writes it once (the last one wins)', async () => {
    const store = await factory.open()
    try {
      await upsertIdentities(store.db as never, [identity, { ...identity, displayName: 'Second' }], seen(t0))
      const rows = await listIdentities(store.db)
      expect(rows).toHaveLength(1)
      expect(rows[0]!.displayName).toBe('Second')
    } finally {
      await store.close()
    }
  })

  it('a second migrate is a no-op', async () => {
    const store = await factory.open()
    try {
      const again = await migrateToLatest(store)
      expect(again).toEqual({ applied: [], pending: [] })
    } finally {
      await store.close()
    }
  })
})

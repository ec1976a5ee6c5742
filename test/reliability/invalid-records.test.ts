import { randomUUID } from 'node:crypto'
import { expect, it } from 'vitest'
import type { StreamSpec } from '../../src/connectors/types.ts'
import { silentLogger } from '../../src/core/logger.ts'
import type { Db } from '../../src/store/database.ts'
import { listGrants } from '../../src/store/repositories/grants.ts'
import { listIdentities } from '../../src/store/repositories/identities.ts'
import { startSyncRun } from '../../src/store/repositories/sync-runs.ts'
import { DbStreamWriter } from '../../src/sync/stream-writer.ts'
import { describeEachStore } from '../helpers/store.ts'

/**
 * A record that fails validation at the edge is still there at the vendor. Within the tolerated share the run
 * completes, but it must not treat the record as gone: found by the fault matrix (an Okta user with a bad
 * status and a ServiceNow item with a number in a field were removed, and their findings resolved).
 */
const USERS: StreamSpec = { name: 'users', tables: ['identities'] }
const MEMBERS: StreamSpec = { name: 'memberships', tables: ['grants'] }

const user = (id: string) => ({
  externalId: id,
  kind: 'human' as const,
  login: `${id}@acme.com`,
  email: `${id}@acme.com`,
  upn: null,
  displayName: id,
  status: 'active' as const,
  owners: [],
  createdAt: null,
})
const member = (u: string, g: string) => ({
  principalType: 'identity' as const,
  principalId: u,
  entitlementId: g,
  grantedAt: null,
})

async function openWriter(db: Db, spec: StreamSpec, full = false) {
  const runId = randomUUID()
  const seq = await startSyncRun(db, {
    id: runId,
    connectorId: 'okta',
    kind: 'okta',
    requestedMode: 'auto',
    at: new Date(),
  })
  return DbStreamWriter.open(
    { db, runId, seq, connectorId: 'okta', forceFull: full, maxInvalidShare: 0.5, logger: silentLogger() },
    spec,
  )
}

const present = async (db: Db) =>
  (await listIdentities(db, 'okta'))
    .filter((i) => !i.removedAt)
    .map((i) => i.externalId)
    .sort()

describeEachStore(import.meta.url, 'records that fail validation are never removed', (factory) => {
  it('a full listing with an invalid record removes nothing; the next clean listing removes what is gone', async () => {
    const store = await factory.open()
    try {
      const w1 = await openWriter(store.db, USERS)
      await w1.write({ identities: [user('a'), user('b'), user('c')] })
      await w1.complete('d1')

      // b fails validation, c is really gone: neither is removed, since the listing could not read b.
      const w2 = await openWriter(store.db, USERS, true)
      await w2.write({ identities: [user('a')], invalid: [{ id: 'b', reason: 'status: invalid option' }] })
      await w2.complete('d2')
      expect(w2.totals).toMatchObject({ invalid: 1, removed: 0 })
      expect(await present(store.db)).toEqual(['a', 'b', 'c'])

      const w3 = await openWriter(store.db, USERS, true)
      await w3.write({ identities: [user('a'), user('b')] })
      await w3.complete('d3')
      expect(await present(store.db)).toEqual(['a', 'b'])
    } finally {
      await store.close()
    }
  })

  it('a scope re-listed whole with an invalid member removes none of its grants', async () => {
    const store = await factory.open()
    try {
      const w1 = await openWriter(store.db, MEMBERS)
      await w1.write({ grants: [member('a', 'g1'), member('b', 'g1')] })
      await w1.complete('c1')
      const w2 = await openWriter(store.db, MEMBERS)
      await w2.write({
        grants: [member('a', 'g1')],
        invalid: [{ id: 'b', reason: 'type: expected string' }],
        completeGrantScopes: [{ entitlementId: 'g1' }],
      })
      await w2.complete('c2')
      const grants = (await listGrants(store.db, { source: 'okta' })).map(
        (g) => `${g.principalId}->${g.entitlementId}${g.removedAt ? ' removed' : ''}`,
      )
      expect(grants.sort()).toEqual(['a->g1', 'b->g1'])
    } finally {
      await store.close()
    }
  })
})

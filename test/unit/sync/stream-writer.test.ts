import { randomUUID } from 'node:crypto'
import { expect, it } from 'vitest'
import type { StreamSpec } from '../../../src/connectors/types.ts'
import { silentLogger } from '../../../src/core/logger.ts'
import type { Db } from '../../../src/store/database.ts'
import { listGrants } from '../../../src/store/repositories/grants.ts'
import { listIdentities } from '../../../src/store/repositories/identities.ts'
import { startSyncRun, streamCompleteness } from '../../../src/store/repositories/sync-runs.ts'
import { DbStreamWriter } from '../../../src/sync/stream-writer.ts'
import { describeEachStore } from '../../helpers/store.ts'

const USERS: StreamSpec = { name: 'users', tables: ['identities'] }
const MEMBERS: StreamSpec = { name: 'memberships', tables: ['grants'] }

function user(id: string) {
  return {
    externalId: id,
    kind: 'human' as const,
    login: `${id}@acme.com`,
    email: `${id}@acme.com`,
    upn: null,
    displayName: id,
    status: 'active' as const,
    owners: [],
    createdAt: null,
  }
}

function member(user: string, group: string) {
  return { principalType: 'identity' as const, principalId: user, entitlementId: group, grantedAt: null }
}

async function openWriter(db: Db, spec: StreamSpec, opts: { full?: boolean; maxInvalidShare?: number } = {}) {
  const runId = randomUUID()
  const seq = await startSyncRun(db, {
    id: runId,
    connectorId: 'okta',
    kind: 'okta',
    requestedMode: 'auto',
    at: new Date(),
  })
  return DbStreamWriter.open(
    {
      db,
      runId,
      seq,
      connectorId: 'okta',
      forceFull: Boolean(opts.full),
      maxInvalidShare: opts.maxInvalidShare ?? 0.01,
      logger: silentLogger(),
    },
    spec,
  )
}

const present = async (db: Db) =>
  (await listIdentities(db, 'okta'))
    .filter((i) => !i.removedAt)
    .map((i) => i.externalId)
    .sort()

describeEachStore(import.meta.url, 'stream writer', (factory) => {
  it('a first run is full, and a complete full listing removes what it did not see', async () => {
    const store = await factory.open()
    try {
      const w1 = await openWriter(store.db, USERS)
      expect(w1.mode).toBe('full')
      await w1.write({ identities: [user('a'), user('b')], checkpoint: 'page-2' })
      await w1.write({ identities: [user('c')], checkpoint: 'page-3' })
      await w1.complete('delta-1')
      expect(await present(store.db)).toEqual(['a', 'b', 'c'])

      const w2 = await openWriter(store.db, USERS)
      expect(w2.mode).toBe('incremental')
      expect(w2.resumeFrom).toBe('delta-1')
      await w2.complete('delta-2')

      const w3 = await openWriter(store.db, USERS, { full: true })
      expect(w3.mode).toBe('full')
      await w3.write({ identities: [user('a'), user('c')] })
      await w3.complete('delta-3')
      expect(await present(store.db)).toEqual(['a', 'c'])
      const [c] = await streamCompleteness(store.db, 'okta')
      expect(c).toMatchObject({ stream: 'users', complete: true })
    } finally {
      await store.close()
    }
  })

  it('a failed run removes nothing and leaves the stream incomplete until the next success', async () => {
    const store = await factory.open()
    try {
      const w1 = await openWriter(store.db, USERS)
      await w1.write({ identities: [user('a'), user('b')] })
      await w1.complete('d1')
      const w2 = await openWriter(store.db, USERS, { full: true })
      await w2.write({ identities: [user('a')] })
      await w2.fail('HTTP 503 from the vendor')
      expect(await present(store.db)).toEqual(['a', 'b'])
      expect((await streamCompleteness(store.db, 'okta'))[0]).toMatchObject({
        complete: false,
        lastError: 'HTTP 503 from the vendor',
      })

      const w3 = await openWriter(store.db, USERS)
      await w3.complete('d3')
      expect((await streamCompleteness(store.db, 'okta'))[0]).toMatchObject({ complete: true })
    } finally {
      await store.close()
    }
  })

  it('completeness follows the order of runs even when a fixed clock gives them one start time', async () => {
    const store = await factory.open()
    process.env.ACCORD_NOW = '2026-11-29T12:00:00Z'
    try {
      const w1 = await openWriter(store.db, USERS)
      await w1.complete('d1')
      const w2 = await openWriter(store.db, USERS)
      await w2.fail('boom')
      expect((await streamCompleteness(store.db, 'okta'))[0]).toMatchObject({ complete: false })
      const w3 = await openWriter(store.db, USERS)
      await w3.complete('d3')
      expect((await streamCompleteness(store.db, 'okta'))[0]).toMatchObject({ complete: true })
      const w4 = await openWriter(store.db, USERS)
      await w4.fail('boom again')
      expect((await streamCompleteness(store.db, 'okta'))[0]).toMatchObject({
        complete: false,
        lastError: 'boom again',
      })
    } finally {
      delete process.env.ACCORD_NOW
      await store.close()
    }
  })

  it('a killed full listing resumes from its last checkpoint, keeping what it had seen', async () => {
    const store = await factory.open()
    try {
      const w1 = await openWriter(store.db, USERS)
      await w1.write({ identities: [user('a'), user('b'), user('c')] })
      await w1.complete('d1')

      // A forced full run writes one page and is killed: neither complete() nor fail() runs.
      const killed = await openWriter(store.db, USERS, { full: true })
      await killed.write({ identities: [user('a')], checkpoint: { next: 'page-2' } })

      const resumed = await openWriter(store.db, USERS)
      expect(resumed.mode).toBe('full')
      expect(resumed.resumeFrom).toEqual({ next: 'page-2' })
      await resumed.write({ identities: [user('c')] })
      await resumed.complete('d2')
      // a was seen before the kill, c after it; b was in neither part of the listing.
      expect(await present(store.db)).toEqual(['a', 'c'])
    } finally {
      await store.close()
    }
  })

  it('a scope listed whole removes its unseen grants and nothing outside it', async () => {
    const store = await factory.open()
    try {
      const w1 = await openWriter(store.db, MEMBERS)
      await w1.write({ grants: [member('a', 'g1'), member('b', 'g1'), member('a', 'g2')] })
      await w1.complete('c1')

      const w2 = await openWriter(store.db, MEMBERS)
      expect(w2.mode).toBe('incremental')
      await w2.write({ grants: [member('a', 'g1')], completeGrantScopes: [{ entitlementId: 'g1' }] })
      await w2.complete('c2')
      const grants = (await listGrants(store.db, { source: 'okta' })).map(
        (g) => `${g.principalId}->${g.entitlementId}`,
      )
      expect(grants.sort()).toEqual(['a->g1', 'a->g2'])
    } finally {
      await store.close()
    }
  })

  it('explicit vendor removals apply at once, and a later sighting brings the record back', async () => {
    const store = await factory.open()
    try {
      const w1 = await openWriter(store.db, USERS)
      await w1.write({ identities: [user('a'), user('b')] })
      await w1.complete('d1')
      const w2 = await openWriter(store.db, USERS)
      await w2.write({ removed: { identities: ['b'] } })
      await w2.complete('d2')
      expect(await present(store.db)).toEqual(['a'])
      const removed = (await listIdentities(store.db, 'okta')).find((i) => i.externalId === 'b')
      expect(removed).toMatchObject({ status: 'deleted' })
      const w3 = await openWriter(store.db, USERS)
      await w3.write({ identities: [user('b')] })
      await w3.complete('d3')
      expect(await present(store.db)).toEqual(['a', 'b'])
    } finally {
      await store.close()
    }
  })

  it('too many records failing validation fail the stream instead of completing it', async () => {
    const store = await factory.open()
    try {
      const w = await openWriter(store.db, USERS, { maxInvalidShare: 0.1 })
      await w.write({
        identities: [user('a')],
        invalid: [{ id: 'x', reason: 'profile.login: expected string' }],
      })
      await expect(w.complete('d')).rejects.toThrow('1 of 2 users records failed validation (more than 10%)')
    } finally {
      await store.close()
    }
  })
})

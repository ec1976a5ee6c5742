import type { Kysely } from 'kysely'
import { beforeAll, beforeEach, expect, it } from 'vitest'
import type { Store } from '../../../src/store/open.ts'
import { listFindingEvents } from '../../../src/store/repositories/finding-events.ts'
import { listFindings } from '../../../src/store/repositories/findings.ts'
import { markGrantsRemoved } from '../../../src/store/repositories/grants.ts'
import { addSuppression } from '../../../src/store/repositories/suppressions.ts'
import { describeEachStore } from '../../helpers/store.ts'
import { days, ent, grant, hours, open, openKeys, person, reset, run, sync, ticket } from './world.ts'

const ann = person('entra', 'u-ann', 'ann@contoso.com')
const vpn = ent('entra', 'g-vpn', 'VPN')
const okAnn = person('okta', '00u1', 'ann@contoso.com')
const okApp = ent('okta', '0oa1', 'Salesforce', { type: 'app', resource: 'Salesforce' })
const okWiki = ent('okta', '0oa2', 'Wiki', { type: 'app', resource: 'Wiki' })

async function eventTypes(db: Store['db'], id: string) {
  return (await listFindingEvents(db, id)).map((e) => e.type)
}

describeEachStore(import.meta.url, 'finding lifecycle', (factory) => {
  let store: Store
  beforeAll(async () => {
    store = await factory.open()
  })
  beforeEach(async () => reset(store.db))

  it('resolves when the drift is gone and reopens with the same id when it comes back', async () => {
    const data = { identities: [ann], entitlements: [vpn], grants: [grant('entra', 'u-ann', 'g-vpn')] }
    await sync(store.db, { ...data, tickets: [] }, { sources: ['snow'] })
    const first = await run(store.db)
    expect(first.changes.opened).toBe(1)
    const [f] = await open(store.db)
    // The grant is removed in the vendor and a complete listing says so.
    await markGrantsRemoved(
      store.db as unknown as Kysely<unknown>,
      'entra',
      [{ principalType: 'identity', principalId: 'u-ann', entitlementId: 'g-vpn' }],
      hours(1),
    )
    await sync(store.db, { identities: [ann], entitlements: [vpn] })
    const second = await run(store.db)
    expect(second.changes.resolved).toBe(1)
    expect((await listFindings(store.db))[0]).toMatchObject({ id: f!.id, status: 'resolved' })
    // It is granted again.
    await sync(store.db, data)
    const third = await run(store.db)
    expect(third.changes.reopened).toBe(1)
    const again = await open(store.db)
    expect(again.map((x) => x.id)).toEqual([f!.id])
    expect(again[0]!.firstSeen).toEqual(f!.firstSeen)
    expect(await eventTypes(store.db, f!.id)).toEqual(['opened', 'resolved', 'reopened'])
    const events = await listFindingEvents(store.db, f!.id)
    expect(new Set(events.map((e) => e.runId))).toEqual(new Set([first.runId, second.runId, third.runId]))
  })

  it('a failed sync of one source resolves nothing and opens nothing from it', async () => {
    await sync(
      store.db,
      {
        identities: [ann, okAnn],
        entitlements: [vpn, okApp, okWiki],
        grants: [grant('entra', 'u-ann', 'g-vpn'), grant('okta', '00u1', '0oa1')],
        tickets: [],
      },
      { sources: ['snow'] },
    )
    await run(store.db)
    expect(await openKeys(store.db)).toEqual([
      'ACC-001 ann@contoso.com Salesforce -',
      'ACC-001 ann@contoso.com VPN -',
    ])
    // Okta's next run fails part way: it wrote a new grant before failing. Tickets now cover both old grants.
    await sync(store.db, { grants: [grant('okta', '00u1', '0oa2')] }, { fail: [] })
    await sync(store.db, {}, { fail: ['okta'], sources: ['okta'] })
    await sync(store.db, {
      tickets: [
        ticket('ann@contoso.com', ['VPN'], { createdAt: days(40) }),
        ticket('ann@contoso.com', ['Salesforce'], { createdAt: days(40) }),
      ],
    })
    const s = await run(store.db)
    // Entra's finding resolves; Okta's neither resolves nor does the new Okta grant open a finding.
    expect(await openKeys(store.db)).toEqual(['ACC-001 ann@contoso.com Salesforce -'])
    expect(s.changes.resolved).toBe(1)
    expect(s.changes.opened).toBe(0)
    expect(s.heldBack).toMatchObject({ opening: 1, resolving: 1 })
    expect(s.heldBack.incompleteInputs.join(' ')).toMatch(/okta/)
    // Okta recovers: now both happen.
    await sync(store.db, {
      identities: [okAnn],
      entitlements: [okApp, okWiki],
      grants: [grant('okta', '00u1', '0oa1'), grant('okta', '00u1', '0oa2')],
    })
    const after = await run(store.db)
    expect(after.heldBack).toMatchObject({ opening: 0, resolving: 0 })
    expect(await openKeys(store.db)).toEqual(['ACC-001 ann@contoso.com Wiki -'])
  })

  it('holds back what depends on a ticket source whose only run failed', async () => {
    await sync(store.db, {
      identities: [ann],
      entitlements: [vpn],
      grants: [grant('entra', 'u-ann', 'g-vpn')],
    })
    // With no ticket source known at all, the grant side alone decides.
    const s = await run(store.db)
    expect(s.changes.opened).toBe(1)
    await reset(store.db)
    await sync(store.db, {
      identities: [ann],
      entitlements: [vpn],
      grants: [grant('entra', 'u-ann', 'g-vpn')],
    })
    await sync(store.db, {}, { fail: ['snow'], sources: ['snow'] })
    const held = await run(store.db)
    expect(held.changes.opened).toBe(0)
    expect(held.heldBack.opening).toBe(1)
  })

  it('records an updated event on a material change and a suppressed/unsuppressed pair around a suppression', async () => {
    await sync(
      store.db,
      { identities: [ann], entitlements: [vpn], grants: [grant('entra', 'u-ann', 'g-vpn')], tickets: [] },
      { sources: ['snow'] },
    )
    await run(store.db)
    const [f] = await open(store.db)
    const same = await run(store.db)
    expect(same.changes).toMatchObject({ opened: 0, updated: 0, unchanged: 1 })
    await run(store.db, { rules: { 'ACC-001': { severity: 'critical' } } })
    expect((await open(store.db))[0]!.severity).toBe('critical')
    await addSuppression(store.db, {
      pattern: `${f!.id.slice(0, 6)}*`,
      reason: 'known',
      ticket: 'CHG1',
      until: new Date(Date.parse(hours(0).toISOString()) + 3_600_000),
      createdBy: 'iam@contoso.com',
      createdAt: hours(1),
    })
    await run(store.db, { rules: { 'ACC-001': { severity: 'critical' } } })
    expect((await listFindings(store.db))[0]!.status).toBe('suppressed')
    process.env.ACCORD_NOW = new Date(Date.parse(hours(0).toISOString()) + 2 * 3_600_000).toISOString()
    const { reconcile } = await import('../../../src/reconciler/reconcile.ts')
    const { Config } = await import('../../../src/config/schema.ts')
    const { Policy } = await import('../../../src/config/policy.ts')
    const { silentLogger } = await import('../../../src/core/logger.ts')
    await reconcile(store.db, {
      config: Config.parse({}),
      policy: Policy.parse({ rules: { 'ACC-001': { severity: 'critical' } } }),
      logger: silentLogger(),
    })
    expect(await eventTypes(store.db, f!.id)).toEqual(['opened', 'updated', 'suppressed', 'unsuppressed'])
    expect((await listFindings(store.db))[0]!.status).toBe('open')
  })

  it('hands the events to onEvents inside the transaction that records them', async () => {
    await sync(store.db, {
      identities: [ann],
      entitlements: [vpn],
      grants: [grant('entra', 'u-ann', 'g-vpn')],
    })
    await expect(
      run(store.db, {}, async (trx, events) => {
        expect(events.map((e) => [e.type, typeof e.id])).toEqual([['opened', 'number']])
        const seen = await trx.selectFrom('finding_events').select('id').execute()
        expect(seen.map((r) => Number(r.id))).toEqual([events[0]!.id])
        throw new Error('outbox down')
      }),
    ).rejects.toThrow('outbox down')
    // Rolled back together: no finding and no event without its outbox rows.
    expect(await listFindings(store.db)).toEqual([])
    const s = await run(store.db, {}, async () => {})
    expect(s.changes.opened).toBe(1)
  })
})

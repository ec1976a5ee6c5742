import { Registry } from 'prom-client'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { Config } from '../../../src/config/schema.ts'
import { silentLogger } from '../../../src/core/logger.ts'
import { registerOutboxGauge } from '../../../src/delivery/metrics.ts'
import { deliver } from '../../../src/delivery/outbox/deliver.ts'
import { enqueueRaise } from '../../../src/delivery/outbox/enqueue.ts'
import type { Store } from '../../../src/store/open.ts'
import { describeEachStore } from '../../helpers/store.ts'
import { FakeItsm } from './fake-sink.ts'
import { addEvent, countOutbox, type SeedFinding, upsertFinding } from './seed.ts'

function config(raise: Record<string, unknown> = {}): Config {
  return Config.parse({
    connectors: [
      {
        id: 'snow',
        kind: 'servicenow',
        baseUrl: 'https://acme.service-now.com',
        auth: { type: 'basic', username: 'u', password: 'p' },
      },
      {
        id: 'jira',
        kind: 'jira',
        baseUrl: 'https://acme.atlassian.net',
        auth: { type: 'basic', email: 'a@b.c', token: 't' },
      },
    ],
    raise: {
      minSeverity: 'high',
      maxNewPerRun: 50,
      routes: [{ when: { source: 'okta' }, to: 'jira' }, { to: 'snow' }],
      sinks: { snow: { table: 'incident' }, jira: { project: 'IAM' } },
      ...raise,
    },
  })
}

const fast = { backoff: { baseMs: 1, maxMs: 5 }, later: { baseMs: 1, maxMs: 5 } }

describeEachStore(import.meta.url, 'outbox delivery', (factory) => {
  let store: Store
  let snow: FakeItsm
  let jira: FakeItsm
  beforeAll(async () => {
    store = await factory.open()
  })
  afterAll(async () => {
    if (factory.kind === 'pglite') await store.close()
  })
  beforeEach(async () => {
    // One store per file (opening one costs seconds); each test starts from an empty outbox.
    for (const t of ['outbox', 'finding_events', 'findings'] as const) await store.db.deleteFrom(t).execute()
    snow = new FakeItsm()
    jira = new FakeItsm()
  })

  const sinks = () => ({ snow: snow.sink(), jira: jira.sink() })

  /** What the reconciler does: record the finding and its event, and enqueue in the same transaction. */
  async function record(
    cfg: Config,
    f: SeedFinding,
    type: Parameters<typeof addEvent>[1]['type'],
    data = {},
  ) {
    return store.db.transaction().execute(async (trx) => {
      await upsertFinding(trx, f)
      const e = await addEvent(trx, { findingId: f.id, type, severity: f.severity ?? 'high', data })
      return enqueueRaise(trx, [e], cfg.raise)
    })
  }

  const run = (cfg: Config, extra: Partial<Parameters<typeof deliver>[2]> = {}) =>
    deliver(store.db, cfg, { logger: silentLogger(), sinks: sinks(), ...fast, ...extra })

  it('routes by source, skips findings below the floor, and raises each finding once', async () => {
    const cfg = config()
    await record(cfg, { id: 'f1', entitlementSource: 'okta' }, 'opened')
    await record(cfg, { id: 'f2', entitlementSource: 'entra' }, 'opened')
    await record(cfg, { id: 'f3', severity: 'medium' }, 'opened')
    const report = await run(cfg)
    expect(report.created.map((c) => [c.findingId, c.sink]).sort()).toEqual([
      ['f1', 'jira'],
      ['f2', 'snow'],
    ])
    expect(jira.ticketsFor('f1')).toHaveLength(1)
    expect(snow.ticketsFor('f2')).toHaveLength(1)
    expect(snow.ticketsFor('f3')).toHaveLength(0)
    const f1 = await store.db
      .selectFrom('findings')
      .selectAll()
      .where('id', '=', 'f1')
      .executeTakeFirstOrThrow()
    expect(f1).toMatchObject({ raised_sink: 'jira', raised_key: 'INC0000001', delivery_state: 'raised' })
    expect(f1.raised_url).toBe('https://itsm.example/INC0000001')
    // Every create was looked up first.
    expect(jira.calls).toEqual(['find f1 false', 'create f1'])
    // A second run has nothing to do.
    const again = await run(cfg)
    expect(again.created).toHaveLength(0)
    expect(await countOutbox(store.db, 'done')).toBe(2)
  })

  it('updates on change, resolves when the drift is gone and reopens on recurrence, in order', async () => {
    const cfg = config()
    await record(cfg, { id: 'f1' }, 'opened')
    await record(cfg, { id: 'f1', severity: 'critical' }, 'updated', {
      severity: { from: 'high', to: 'critical' },
    })
    await record(cfg, { id: 'f1', status: 'resolved' }, 'resolved')
    await record(cfg, { id: 'f1' }, 'reopened')
    const report = await run(cfg)
    expect(snow.calls).toEqual(['find f1 false', 'create f1', 'update f1', 'resolve f1', 'reopen f1'])
    expect(report.created).toHaveLength(1)
    expect(report.updated).toHaveLength(1)
    expect(report.resolved).toHaveLength(1)
    expect(report.reopened).toHaveLength(1)
    const t = snow.ticketsFor('f1')
    expect(t).toHaveLength(1)
    expect(t[0]!.closed).toBe(false)
    expect(t[0]!.notes[0]).toContain('severity: high -> critical')
  })

  it('keeps resolving a raised ticket after its severity drops below the floor', async () => {
    const cfg = config()
    await record(cfg, { id: 'f1' }, 'opened')
    await run(cfg)
    await record(cfg, { id: 'f1', severity: 'low', status: 'resolved' }, 'resolved')
    await run(cfg)
    expect(snow.ticketsFor('f1')[0]!.closed).toBe(true)
  })

  it('creates exactly one ticket when the process dies between create and commit (search lagging)', async () => {
    const cfg = config()
    for (let i = 0; i < 5; i++) await record(cfg, { id: `f${i}` }, 'opened')
    snow.searchLagMs = 60_000
    const crash = new AbortController()
    let created = 0
    snow.afterCreate = () => {
      if (++created === 3) {
        crash.abort(new Error('killed'))
        throw new Error('killed')
      }
    }
    await expect(run(cfg, { signal: crash.signal, concurrency: 1 })).rejects.toThrow('killed')
    expect(await countOutbox(store.db, 'in_flight')).toBe(1)
    snow.afterCreate = null
    const report = await run(cfg)
    for (let i = 0; i < 5; i++) expect(snow.ticketsFor(`f${i}`)).toHaveLength(1)
    expect(report.adopted).toHaveLength(1)
    // The in-flight row was looked up patiently; search alone would not have seen the ticket.
    expect(snow.calls.filter((c) => c.endsWith('true'))).toHaveLength(1)
    const raised = await store.db
      .selectFrom('findings')
      .select('raised_key')
      .where('raised_key', 'is not', null)
      .execute()
    expect(raised).toHaveLength(5)
  })

  it('retries transient failures with backoff, and a lost create response is not created twice', async () => {
    const cfg = config()
    await record(cfg, { id: 'f1' }, 'opened')
    snow.searchLagMs = 60_000
    snow.failures.find = [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })]
    // The vendor creates the ticket, but the answer never comes back.
    snow.afterCreate = () => {
      snow.afterCreate = null
      throw Object.assign(new Error('Request failed with status code 504'), { response: { status: 504 } })
    }
    const report = await run(cfg)
    expect(snow.ticketsFor('f1')).toHaveLength(1)
    expect(report.adopted.map((a) => a.findingId)).toEqual(['f1'])
    expect(snow.calls).toEqual(['find f1 false', 'find f1 false', 'create f1', 'find f1 true'])
  })

  it('dead-letters a permanent failure with its reason, and --retry-dead sends it again', async () => {
    const cfg = config()
    await record(cfg, { id: 'f1' }, 'opened')
    await record(cfg, { id: 'f2' }, 'opened')
    snow.failures.create = [
      Object.assign(
        new Error('Request failed with status code 403: insufficient rights for table incident'),
        {
          response: { status: 403 },
        },
      ),
    ]
    const report = await run(cfg, { concurrency: 1 })
    expect(report.dead).toEqual([
      expect.objectContaining({ findingId: 'f1', reason: expect.stringContaining('insufficient rights') }),
    ])
    expect(report.created.map((c) => c.findingId)).toEqual(['f2'])
    const f1 = await store.db
      .selectFrom('findings')
      .selectAll()
      .where('id', '=', 'f1')
      .executeTakeFirstOrThrow()
    expect(f1.delivery_state).toBe('dead')
    expect(f1.delivery_error).toContain('403')
    // And in the metrics the daemon serves.
    const registry = new Registry()
    registerOutboxGauge(store.db, registry)
    expect(await registry.metrics()).toMatch(/accord_outbox_rows\{status="dead"\} 1\n/)
    // A later event of the dead finding waits behind the dead letter: order is kept.
    await record(cfg, { id: 'f1', severity: 'critical' }, 'updated', {
      severity: { from: 'high', to: 'critical' },
    })
    const blocked = await run(cfg)
    expect(blocked.created).toHaveLength(0)
    expect(blocked.updated).toHaveLength(0)
    expect(blocked.outbox.dead).toBe(1)

    const retried = await run(cfg, { retryDead: true })
    expect(retried.revived).toBe(1)
    expect(retried.created.map((c) => c.findingId)).toEqual(['f1'])
    expect(retried.updated.map((c) => c.findingId)).toEqual(['f1'])
    expect(snow.ticketsFor('f1')).toHaveLength(1)
    const after = await store.db
      .selectFrom('findings')
      .selectAll()
      .where('id', '=', 'f1')
      .executeTakeFirstOrThrow()
    expect(after).toMatchObject({ delivery_state: 'raised', delivery_error: null })
  })

  it('gives up after maxAttempts transient failures', async () => {
    const cfg = config()
    await record(cfg, { id: 'f1' }, 'opened')
    snow.failures.find = Array.from({ length: 10 }, () => Object.assign(new Error('busy'), { status: 503 }))
    const r1 = await run(cfg, { attemptsPerRun: 2, maxAttempts: 4 })
    expect(r1.retrying).toHaveLength(1)
    expect(await countOutbox(store.db, 'pending')).toBe(1)
    await new Promise((r) => setTimeout(r, 10))
    const r2 = await run(cfg, { attemptsPerRun: 2, maxAttempts: 4 })
    expect(r2.dead[0]!.reason).toMatch(/gave up after 4 attempts: HTTP 503: busy/)
  })

  it('holds creates beyond maxNewPerRun for the next run, while updates of raised findings proceed', async () => {
    const cfg = config({ maxNewPerRun: 3 })
    for (let i = 0; i < 5; i++) await record(cfg, { id: `f${i}` }, 'opened')
    const r1 = await run(cfg)
    expect(r1.created).toHaveLength(3)
    expect(r1.deferred).toBe(2)
    await record(cfg, { id: 'f0', severity: 'critical' }, 'updated', {
      severity: { from: 'high', to: 'critical' },
    })
    const r2 = await run(cfg)
    expect(r2.created).toHaveLength(2)
    expect(r2.updated).toHaveLength(1)
    expect(snow.tickets).toHaveLength(5)
  })

  it('dry run prints the plan and changes nothing', async () => {
    const cfg = config({ maxNewPerRun: 2 })
    for (let i = 0; i < 3; i++) await record(cfg, { id: `f${i}` }, 'opened')
    const plan = await run(cfg, { dryRun: true })
    expect(plan.dryRun).toBe(true)
    expect(plan.created.map((c) => c.findingId)).toEqual(['f0', 'f1'])
    expect(plan.deferred).toBe(1)
    expect(snow.calls).toEqual([])
    expect(await countOutbox(store.db, 'pending')).toBe(3)
    // Then the real run does what the plan said.
    const real = await run(cfg)
    expect(real.created.map((c) => c.findingId).sort()).toEqual(['f0', 'f1'])
  })

  // The embedded store is one process by construction; the lock is for Postgres.
  it.skipIf(factory.kind !== 'postgres')(
    'lets one delivery at a time work a shared Postgres store',
    async () => {
      const cfg = config()
      for (let i = 0; i < 3; i++) await record(cfg, { id: `f${i}` }, 'opened')
      let release: () => void = () => {}
      const gate = new Promise<void>((r) => {
        release = r
      })
      // The first delivery holds the lock while its sink call hangs; a second one is refused at once.
      const slowSink = snow.sink()
      const create = slowSink.create
      slowSink.create = async (f) => {
        const r = await create(f)
        await gate
        return r
      }
      const first = deliver(store.db, cfg, {
        logger: silentLogger(),
        sinks: { snow: slowSink, jira: jira.sink() },
        storeKind: 'postgres',
        concurrency: 1,
        ...fast,
      })
      await new Promise((r) => setTimeout(r, 200))
      await expect(run(cfg, { storeKind: 'postgres' })).rejects.toThrow(
        /another accord process is delivering/,
      )
      release()
      expect((await first).created).toHaveLength(3)
      expect(snow.tickets).toHaveLength(3)
    },
  )

  it('does not open a ticket for a finding resolved before delivery', async () => {
    const cfg = config()
    await record(cfg, { id: 'f1' }, 'opened')
    await record(cfg, { id: 'f1', status: 'resolved' }, 'resolved')
    const r = await run(cfg)
    expect(r.created).toHaveLength(0)
    expect(r.skipped).toBe(2)
    expect(snow.calls).toEqual([])
  })
})

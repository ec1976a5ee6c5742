import type { Config } from '../../config/schema.ts'
import type { RaisedRecord, TicketSink } from '../../connectors/types.ts'
import { now } from '../../core/clock.ts'
import type { Logger } from '../../core/logger.ts'
import type { Finding } from '../../model/finding.ts'
import type { Db, FindingRow } from '../../store/database.ts'
import {
  completeRow,
  markDead,
  markDone,
  markInFlight,
  markRetry,
  type OutboxRow,
  type OutboxStatus,
  openOutboxRows,
  openRowsOf,
  outboxCounts,
  outboxHeads,
  reviveDead,
} from '../../store/repositories/outbox.ts'
import { findingFromRow } from '../finding-row.ts'
import { deliveryMetrics } from '../metrics.ts'
import { backoffMs, classifyFailure, sleep } from './failure.ts'
import { withDeliveryLock } from './lock.ts'
import { changeText, type Plan, planFor } from './plan.ts'
import { buildSinks } from './sinks.ts'

export interface DeliverOptions {
  logger: Logger
  signal?: AbortSignal
  /** Plan only: nothing is sent and nothing in the store changes. */
  dryRun?: boolean
  /** Dead letters go back to the queue first. */
  retryDead?: boolean
  /** Sinks by id; built from the config's `raise.sinks` when omitted. */
  sinks?: Record<string, TicketSink>
  /** On Postgres, one delivery at a time across processes (session advisory lock). */
  storeKind?: 'pglite' | 'postgres'
  /** Findings worked on at once; the sink's own client paces requests to the vendor's rate. */
  concurrency?: number
  /** Attempts of one row within a run before it waits for a later run. */
  attemptsPerRun?: number
  /** Attempts of one row in all before it becomes a dead letter. */
  maxAttempts?: number
  /** Backoff between attempts within a run. */
  backoff?: { baseMs: number; maxMs: number }
  /** Backoff before a later run takes a transiently failed row again. */
  later?: { baseMs: number; maxMs: number }
}

export interface DeliveryItem {
  findingId: string
  rule: string
  severity: string
  sink: string
  /** `adopt`: the ticket already existed (a crash between create and commit, or a lost response). */
  action: Exclude<Plan, 'skip'> | 'adopt'
  key: string | null
  url: string | null
}

export interface DeliveryFailure {
  findingId: string
  sink: string
  action: string
  reason: string
}

export interface DeliverReport {
  dryRun: boolean
  created: DeliveryItem[]
  adopted: DeliveryItem[]
  updated: DeliveryItem[]
  resolved: DeliveryItem[]
  reopened: DeliveryItem[]
  skipped: number
  /** Creates beyond `raise.maxNewPerRun`: they wait for the next run. */
  deferred: number
  /** Transient failures: tried again by a later run. */
  retrying: DeliveryFailure[]
  dead: DeliveryFailure[]
  revived: number
  outbox: Record<OutboxStatus, number>
}

const DEFAULTS = {
  concurrency: 4,
  attemptsPerRun: 3,
  maxAttempts: 10,
  backoff: { baseMs: 500, maxMs: 10_000 },
  later: { baseMs: 60_000, maxMs: 3_600_000 },
}

function emptyReport(dryRun: boolean): DeliverReport {
  return {
    dryRun,
    created: [],
    adopted: [],
    updated: [],
    resolved: [],
    reopened: [],
    skipped: 0,
    deferred: 0,
    retrying: [],
    dead: [],
    revived: 0,
    outbox: { pending: 0, in_flight: 0, done: 0, dead: 0 },
  }
}

function raisedRecordOf(fr: FindingRow, closed: boolean): RaisedRecord | null {
  if (!fr.raised_key) return null
  return {
    key: fr.raised_key,
    url: fr.raised_url,
    externalId: fr.raised_external_id ?? fr.raised_key,
    closed,
  }
}

/**
 * Sends the outbox to the sinks: per finding in order, several findings at once. Every create is looked up by
 * its correlation id (the fingerprint) first; a row left in flight (a crash after the sink was called, a
 * timeout) is looked up with `waitForConsistency` before creating again, so a finding gets exactly one ticket.
 * The raised ticket is written to the finding in the same transaction that marks the row done.
 */
export async function deliver(db: Db, config: Config, opts: DeliverOptions): Promise<DeliverReport> {
  const run = async () => (opts.dryRun ? planDelivery(db, config, opts) : sendOutbox(db, config, opts))
  return opts.storeKind === 'postgres' && !opts.dryRun ? withDeliveryLock(db, run) : run()
}

async function sendOutbox(db: Db, config: Config, opts: DeliverOptions): Promise<DeliverReport> {
  const o = { ...DEFAULTS, ...opts }
  const signal = opts.signal ?? new AbortController().signal
  const report = emptyReport(false)
  const metrics = deliveryMetrics()
  if (opts.retryDead) report.revived = await reviveDead(db, now())
  const sinks = opts.sinks ?? buildSinks(config, { logger: opts.logger, signal })
  const maxNew = config.raise?.maxNewPerRun ?? Number.POSITIVE_INFINITY
  let newSlots = 0
  const dueBy = now()

  const fail = async (row: OutboxRow, sink: string, reason: string, mayExist = false) => {
    await db.transaction().execute(async (trx) => {
      await markDead(trx, row.id, now(), reason, mayExist)
      await trx
        .updateTable('findings')
        .set({ delivery_state: 'dead', delivery_error: reason })
        .where('id', '=', row.findingId)
        .execute()
    })
    report.dead.push({ findingId: row.findingId, sink, action: row.action, reason })
    metrics.actions.inc({ sink, action: row.action, outcome: 'dead' })
    opts.logger.warn({ finding: row.findingId, sink, action: row.action, reason }, 'delivery failed for good')
  }

  /** One row: `done`, or why the finding's queue stops here for this run. */
  const processRow = async (
    row: OutboxRow,
    preloaded?: FindingRow,
  ): Promise<'done' | 'deferred' | 'retry' | 'dead'> => {
    // Queue heads come with their finding, so creates claim `maxNewPerRun` slots in queue order.
    const fr =
      preloaded ??
      (await db.selectFrom('findings').selectAll().where('id', '=', row.findingId).executeTakeFirst())
    if (!fr) {
      await fail(row, row.sink, 'the finding no longer exists in the store')
      return 'dead'
    }
    const sinkId = fr.raised_sink ?? row.sink
    const sink = sinks[sinkId]
    if (!sink) {
      await fail(row, sinkId, `no sink "${sinkId}" under raise.sinks`)
      return 'dead'
    }
    const finding = findingFromRow(fr)
    const raised = raisedRecordOf(fr, row.action === 'reopen')
    const plan = planFor(row.action, raised !== null, finding.status)
    if (plan === 'skip') {
      await markDone(db, row.id, now(), { plan })
      report.skipped++
      return 'done'
    }
    if (plan === 'create') {
      if (newSlots >= maxNew) {
        report.deferred++
        return 'deferred'
      }
      newSlots++
    }
    // A row found in flight may have reached the sink before a crash: look it up patiently.
    let mayExist = row.status === 'in_flight'
    let attempts = row.attempts
    for (let attempt = 1; ; attempt++) {
      attempts++
      // Only a create needs the durable marker: the other calls are idempotent and simply run again.
      if (plan === 'create') await markInFlight(db, row.id, now(), attempts)
      try {
        const item = await callSink(plan, sink, sinkId, finding, raised, row, mayExist, () => {
          mayExist = true
        })
        const rec = item.record
        await completeRow(db, {
          id: row.id,
          at: now(),
          attempts,
          outcome: { plan: item.item.action, key: item.item.key },
          raised: rec ? { sink: sinkId, key: rec.key, url: rec.url, externalId: rec.externalId } : null,
        })
        if (plan === 'create' && item.item.action === 'adopt') newSlots--
        const bucket = {
          create: report.created,
          adopt: report.adopted,
          update: report.updated,
          resolve: report.resolved,
          reopen: report.reopened,
        }[item.item.action]
        bucket.push(item.item)
        metrics.actions.inc({ sink: sinkId, action: item.item.action, outcome: 'ok' })
        return 'done'
      } catch (e) {
        if (signal.aborted) throw e
        const failure = classifyFailure(e)
        if (failure.permanent) {
          if (plan === 'create') newSlots--
          await fail(row, sinkId, failure.reason, mayExist)
          return 'dead'
        }
        opts.logger.info(
          { finding: row.findingId, sink: sinkId, attempt, reason: failure.reason },
          'delivery retry',
        )
        metrics.actions.inc({ sink: sinkId, action: plan, outcome: 'retry' })
        if (attempts >= o.maxAttempts) {
          if (plan === 'create') newSlots--
          await fail(row, sinkId, `gave up after ${attempts} attempts: ${failure.reason}`, mayExist)
          return 'dead'
        }
        if (attempt < o.attemptsPerRun) {
          await sleep(failure.retryAfterMs ?? backoffMs(attempt, o.backoff.baseMs, o.backoff.maxMs), signal)
          continue
        }
        if (plan === 'create') newSlots--
        const wait = Math.max(failure.retryAfterMs ?? 0, backoffMs(attempts, o.later.baseMs, o.later.maxMs))
        await markRetry(db, row.id, {
          at: now(),
          nextAt: new Date(now().getTime() + wait),
          error: failure.reason,
          keepInFlight: mayExist,
          attempts,
        })
        report.retrying.push({
          findingId: row.findingId,
          sink: sinkId,
          action: row.action,
          reason: failure.reason,
        })
        return 'retry'
      }
    }
  }

  /** One finding's queue, in order, from its head: stops at the first row that is not done. */
  const processQueue = async (queue: OutboxRow[], finding: FindingRow | undefined) => {
    let preloaded = finding
    for (const row of queue) {
      if (signal.aborted) return
      if (row.status === 'dead' || row.nextAttemptAt > dueBy) return
      if ((await processRow(row, preloaded)) !== 'done') return
      // Later rows read the finding again: the row before may have raised its ticket.
      preloaded = undefined
    }
  }

  // Keyset sweep over queue heads, a page at a time; the page's findings and queues are read in two queries.
  let afterId = 0
  for (;;) {
    if (signal.aborted) break
    const heads = await outboxHeads(db, { afterId, limit: 500, dueBy })
    if (heads.length === 0) break
    afterId = heads[heads.length - 1]!.id
    const ids = [...new Set(heads.map((h) => h.findingId))]
    const found = await db.selectFrom('findings').selectAll().where('id', 'in', ids).execute()
    const byId = new Map(found.map((f) => [f.id, f]))
    const queues = await openRowsOf(db, ids)
    let next = 0
    const worker = async () => {
      while (next < heads.length && !signal.aborted) {
        const head = heads[next++]!
        const queue = (queues.get(head.findingId) ?? []).filter((r) => r.id >= head.id)
        await processQueue(queue.length ? queue : [head], byId.get(head.findingId))
      }
    }
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker))
  }
  report.outbox = await outboxCounts(db)
  return report
}

async function callSink(
  plan: Exclude<Plan, 'skip'>,
  sink: TicketSink,
  sinkId: string,
  finding: Finding,
  raised: RaisedRecord | null,
  row: OutboxRow,
  mayExist: boolean,
  creating: () => void,
): Promise<{ item: DeliveryItem; record: RaisedRecord | null }> {
  const item = (action: DeliveryItem['action'], rec: { key: string; url: string | null } | null) => ({
    findingId: finding.id,
    rule: finding.rule,
    severity: finding.severity,
    sink: sinkId,
    action,
    key: rec?.key ?? null,
    url: rec?.url ?? null,
  })
  switch (plan) {
    case 'create': {
      const found = await sink.find(finding, { waitForConsistency: mayExist })
      if (found) return { item: item('adopt', found), record: found }
      // From here a failure may leave a ticket behind: the next attempt looks it up patiently.
      creating()
      const rec = await sink.create(finding)
      return { item: item('create', rec), record: rec }
    }
    case 'update':
      await sink.update(raised!, finding, changeText(row.detail))
      return { item: item('update', raised), record: null }
    case 'resolve':
      await sink.resolve(raised!, finding)
      return { item: item('resolve', raised), record: null }
    case 'reopen': {
      const rec = await sink.reopen(raised!, finding)
      return { item: item('reopen', rec), record: rec }
    }
  }
}

/**
 * What a run would do, from the store alone: no sink is called. A finding's later rows wait behind a deferred
 * or dead one; creates claim the `maxNewPerRun` slots in queue order (oldest first), as a real run does.
 */
async function planDelivery(db: Db, config: Config, opts: DeliverOptions): Promise<DeliverReport> {
  const report = emptyReport(true)
  const maxNew = config.raise?.maxNewPerRun ?? Number.POSITIVE_INFINITY
  const dueBy = now()
  // Phase 1: each finding's queue as the items it would produce, up to its first create.
  type Queue = { headId: number; items: DeliveryItem[]; create: DeliveryItem | null; after: DeliveryItem[] }
  const queues: Queue[] = []
  let after: { findingId: string; id: number } | null = null
  let q = null as (Queue & { findingId: string; raised: boolean; blocked: boolean }) | null
  for (;;) {
    const rows = await openOutboxRows(db, { after, limit: 1_000 })
    if (rows.length === 0) break
    after = { findingId: rows[rows.length - 1]!.findingId, id: rows[rows.length - 1]!.id }
    const ids = [...new Set(rows.map((r) => r.findingId))]
    const found = await db.selectFrom('findings').selectAll().where('id', 'in', ids).execute()
    const byId = new Map(found.map((f) => [f.id, f]))
    for (const row of rows) {
      const fr = byId.get(row.findingId)
      if (q?.findingId !== row.findingId) {
        q = {
          findingId: row.findingId,
          headId: row.id,
          items: [],
          create: null,
          after: [],
          raised: Boolean(fr?.raised_key),
          blocked: false,
        }
        queues.push(q)
      }
      if (q.blocked) continue
      const sinkId = fr?.raised_sink ?? row.sink
      if (row.status === 'dead' && !opts.retryDead) {
        report.dead.push({
          findingId: row.findingId,
          sink: sinkId,
          action: row.action,
          reason: row.lastError ?? '',
        })
        q.blocked = true
        continue
      }
      if (row.status === 'dead') report.revived++
      else if (row.nextAttemptAt > dueBy) {
        q.blocked = true
        continue
      }
      const finding = fr ? findingFromRow(fr) : null
      const plan = finding ? planFor(row.action, q.raised, finding.status) : 'skip'
      if (plan === 'skip' || !finding) {
        report.skipped++
        continue
      }
      const item: DeliveryItem = {
        findingId: finding.id,
        rule: finding.rule,
        severity: finding.severity,
        sink: sinkId,
        action: plan,
        key: plan === 'create' ? null : (fr?.raised_key ?? null),
        url: plan === 'create' ? null : (fr?.raised_url ?? null),
      }
      if (plan === 'create') {
        if (q.create) {
          q.blocked = true
          continue
        }
        q.create = item
        q.raised = true
      } else (q.create ? q.after : q.items).push(item)
    }
  }
  // Phase 2: the oldest queues get the new-ticket slots; the others stop at their create.
  let slots = maxNew
  const withCreate = queues.filter((x) => x.create).sort((a, b) => a.headId - b.headId)
  const granted = new Set<Queue>()
  for (const x of withCreate) {
    if (slots <= 0) break
    granted.add(x)
    slots--
  }
  const push = (i: DeliveryItem) =>
    ({
      create: report.created,
      adopt: report.adopted,
      update: report.updated,
      resolve: report.resolved,
      reopen: report.reopened,
    })[i.action].push(i)
  for (const x of queues) {
    x.items.forEach(push)
    if (!x.create) continue
    if (granted.has(x)) {
      push(x.create)
      x.after.forEach(push)
    } else report.deferred++
  }
  report.outbox = await outboxCounts(db)
  return report
}

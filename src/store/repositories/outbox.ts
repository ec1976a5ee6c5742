import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { Database, Db } from '../database.ts'

/** What a row asks the sink to do; the worker decides the effective call from the finding's raised ticket. */
export type OutboxAction = 'create' | 'update' | 'resolve' | 'reopen'

/**
 * `pending` waits for the worker; `in_flight` was handed to the sink and may have reached it (a crash or a
 * timeout leaves it so, and the next attempt looks the ticket up before creating); `done`; `dead` failed for
 * good and waits for `accord deliver --retry-dead`.
 */
export type OutboxStatus = 'pending' | 'in_flight' | 'done' | 'dead'

export interface NewOutboxRow {
  findingId: string
  eventId: number | null
  sink: string
  action: OutboxAction
  detail: Record<string, unknown>
}

export interface OutboxRow {
  id: number
  findingId: string
  eventId: number | null
  sink: string
  action: OutboxAction
  status: OutboxStatus
  attempts: number
  nextAttemptAt: Date
  lastError: string | null
  detail: Record<string, unknown>
  createdAt: Date
}

/** Rows per insert statement: well under the 65535 bind parameters of the protocol. */
const INSERT_CHUNK = 1_000

export async function insertOutboxRows(db: Kysely<Database>, rows: readonly NewOutboxRow[], at: Date) {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const chunk = rows.slice(i, i + INSERT_CHUNK)
    await db
      .insertInto('outbox')
      .values(
        chunk.map((r) => ({
          finding_id: r.findingId,
          event_id: r.eventId,
          sink: r.sink,
          action: r.action,
          status: 'pending',
          attempts: 0,
          next_attempt_at: at,
          last_error: null,
          detail: JSON.stringify(r.detail),
          created_at: at,
          updated_at: at,
        })),
      )
      .execute()
  }
}

type Row = {
  id: string | number
  finding_id: string
  event_id: string | number | null
  sink: string
  action: string
  status: string
  attempts: number
  next_attempt_at: Date
  last_error: string | null
  detail: unknown
  created_at: Date
}

function toRow(r: Row): OutboxRow {
  return {
    id: Number(r.id),
    findingId: r.finding_id,
    eventId: r.event_id === null ? null : Number(r.event_id),
    sink: r.sink,
    action: r.action as OutboxAction,
    status: r.status as OutboxStatus,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    detail: (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail) as Record<string, unknown>,
    createdAt: r.created_at,
  }
}

const COLUMNS = [
  'id',
  'finding_id',
  'event_id',
  'sink',
  'action',
  'status',
  'attempts',
  'next_attempt_at',
  'last_error',
  'detail',
  'created_at',
] as const

/**
 * The head of each finding's queue: its oldest row not done. A dead row heads its queue until retried, so a
 * finding's actions are never applied out of order. Keyset-paged by id.
 */
export async function outboxHeads(
  db: Db,
  opts: { afterId: number; limit: number; dueBy: Date },
): Promise<OutboxRow[]> {
  const rows = await db
    .selectFrom('outbox as o')
    .select(COLUMNS.map((c) => `o.${c}` as const))
    .where('o.status', 'in', ['pending', 'in_flight'])
    .where('o.id', '>', String(opts.afterId) as never)
    .where('o.next_attempt_at', '<=', opts.dueBy)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('outbox as p')
            .select(sql`1`.as('one'))
            .whereRef('p.finding_id', '=', 'o.finding_id')
            .whereRef('p.id', '<', 'o.id')
            .where('p.status', '<>', 'done'),
        ),
      ),
    )
    .orderBy('o.id')
    .limit(opts.limit)
    .execute()
  return rows.map((r) => toRow(r as Row))
}

/** The rows not done of these findings, each finding's in id order: their queues, read in one query. */
export async function openRowsOf(db: Db, findingIds: readonly string[]): Promise<Map<string, OutboxRow[]>> {
  const out = new Map<string, OutboxRow[]>()
  if (findingIds.length === 0) return out
  const rows = await db
    .selectFrom('outbox')
    .select(COLUMNS)
    .where(sql<boolean>`finding_id = any(${findingIds as string[]}::text[])`)
    .where('status', '<>', 'done')
    .orderBy('finding_id')
    .orderBy('id')
    .execute()
  for (const r of rows) {
    const row = toRow(r as Row)
    const q = out.get(row.findingId)
    if (q) q.push(row)
    else out.set(row.findingId, [row])
  }
  return out
}

/** Every row not done, by finding then id: what a dry run plans over. Keyset-paged. */
export async function openOutboxRows(
  db: Db,
  opts: { after: { findingId: string; id: number } | null; limit: number },
): Promise<OutboxRow[]> {
  let q = db.selectFrom('outbox').select(COLUMNS).where('status', '<>', 'done')
  if (opts.after) {
    const a = opts.after
    q = q.where((eb) =>
      eb.or([
        eb('finding_id', '>', a.findingId),
        eb.and([eb('finding_id', '=', a.findingId), eb('id', '>', String(a.id) as never)]),
      ]),
    )
  }
  const rows = await q.orderBy('finding_id').orderBy('id').limit(opts.limit).execute()
  return rows.map((r) => toRow(r as Row))
}

/**
 * Taken in flight: committed before a create reaches the sink, so a crash leaves a trace that the next run
 * looks up (patiently) before creating again. Records the attempt count.
 */
export async function markInFlight(db: Kysely<Database>, id: number, at: Date, attempts: number) {
  await db
    .updateTable('outbox')
    .set({ status: 'in_flight', claimed_at: at, updated_at: at, attempts })
    .where('id', '=', String(id) as never)
    .execute()
}

export interface RaisedColumns {
  sink: string
  key: string
  url: string | null
  externalId: string
}

/**
 * The row done and its finding updated (the raised ticket, when the sink returned one) in one statement: atomic,
 * and one round trip per delivered row.
 */
export async function completeRow(
  db: Kysely<Database>,
  r: {
    id: number
    at: Date
    outcome: Record<string, unknown>
    attempts: number
    raised: RaisedColumns | null
  },
) {
  const raisedSet = r.raised
    ? sql`, raised_sink = ${r.raised.sink}, raised_key = ${r.raised.key}, raised_url = ${r.raised.url},
        raised_external_id = ${r.raised.externalId}`
    : sql``
  await sql`with done as (
      update outbox set status = 'done', updated_at = ${r.at}, last_error = null, attempts = ${r.attempts},
        detail = detail || ${JSON.stringify({ outcome: r.outcome })}::jsonb
      where id = ${r.id}
      returning finding_id
    )
    update findings set delivery_state = 'raised', delivery_error = null ${raisedSet}
    where id = (select finding_id from done)`.execute(db)
}

export async function markDone(db: Kysely<Database>, id: number, at: Date, outcome: Record<string, unknown>) {
  await db
    .updateTable('outbox')
    .set({
      status: 'done',
      updated_at: at,
      last_error: null,
      detail: sql`detail || ${JSON.stringify({ outcome })}::jsonb` as never,
    })
    .where('id', '=', String(id) as never)
    .execute()
}

/** A transient failure: tried again at `nextAt`. `keepInFlight` when the sink may have acted on it. */
export async function markRetry(
  db: Kysely<Database>,
  id: number,
  r: { at: Date; nextAt: Date; error: string; keepInFlight: boolean; attempts: number },
) {
  await db
    .updateTable('outbox')
    .set({
      status: r.keepInFlight ? 'in_flight' : 'pending',
      next_attempt_at: r.nextAt,
      last_error: r.error,
      updated_at: r.at,
      attempts: r.attempts,
    })
    .where('id', '=', String(id) as never)
    .execute()
}

/** `mayExist`: a create was sent before it failed; once revived it is looked up patiently first. */
export async function markDead(db: Kysely<Database>, id: number, at: Date, error: string, mayExist = false) {
  await db
    .updateTable('outbox')
    .set({
      status: 'dead',
      last_error: error,
      updated_at: at,
      detail: sql`detail || ${JSON.stringify({ mayExist })}::jsonb` as never,
    })
    .where('id', '=', String(id) as never)
    .execute()
}

/**
 * Dead letters back to the queue, attempts reset. A dead create that may have reached the sink comes back in
 * flight, so it is looked up patiently before creating. Returns how many were revived.
 */
export async function reviveDead(db: Kysely<Database>, at: Date): Promise<number> {
  const res = await db
    .updateTable('outbox')
    .set({
      status: sql`case when detail->>'mayExist' = 'true' then 'in_flight' else 'pending' end` as never,
      attempts: 0,
      next_attempt_at: at,
      updated_at: at,
    })
    .where('status', '=', 'dead')
    .executeTakeFirst()
  await db
    .updateTable('findings')
    .set({ delivery_state: 'pending', delivery_error: null })
    .where('delivery_state', '=', 'dead')
    .execute()
  return Number(res.numUpdatedRows)
}

/** Row counts by status: for `deliver` output and the outbox gauge. */
export async function outboxCounts(db: Db): Promise<Record<OutboxStatus, number>> {
  const rows = await db
    .selectFrom('outbox')
    .select(['status', sql<string>`count(*)`.as('n')])
    .groupBy('status')
    .execute()
  const out: Record<OutboxStatus, number> = { pending: 0, in_flight: 0, done: 0, dead: 0 }
  for (const r of rows) out[r.status as OutboxStatus] = Number(r.n)
  return out
}

/** Dead letters with the finding they belong to, newest first. */
export async function deadLetters(db: Db, limit = 100): Promise<OutboxRow[]> {
  const rows = await db
    .selectFrom('outbox')
    .select(COLUMNS)
    .where('status', '=', 'dead')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
  return rows.map((r) => toRow(r as Row))
}

/** Findings with rows not yet done: the enqueue step routes their later events even below the threshold. */
export async function findingsWithOpenRows(db: Kysely<Database>, findingIds: readonly string[]) {
  if (findingIds.length === 0) return new Set<string>()
  const rows = await db
    .selectFrom('outbox')
    .select('finding_id')
    .distinct()
    .where(sql<boolean>`finding_id = any(${findingIds as string[]}::text[])`)
    .where('status', '<>', 'done')
    .execute()
  return new Set(rows.map((r) => r.finding_id))
}

export interface DeliveryState {
  /** `pending` (work queued), `raised` (all sent), `dead` (a dead letter waits for `deliver --retry-dead`). */
  state: string
  error: string | null
}

/** Delivery state of these findings (only those with any): for `findings list` and `findings show`. */
export async function deliveryStates(
  db: Db,
  findingIds: readonly string[],
): Promise<Map<string, DeliveryState>> {
  const out = new Map<string, DeliveryState>()
  if (findingIds.length === 0) return out
  const rows = await db
    .selectFrom('findings')
    .select(['id', 'delivery_state', 'delivery_error'])
    .where(sql<boolean>`id = any(${findingIds as string[]}::text[])`)
    .where('delivery_state', 'is not', null)
    .execute()
  for (const r of rows) out.set(r.id, { state: r.delivery_state!, error: r.delivery_error })
  return out
}

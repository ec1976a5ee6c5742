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

/** The next row of one finding's queue after `afterId`, if it is not done. */
export async function nextOutboxRow(db: Db, findingId: string, afterId: number): Promise<OutboxRow | null> {
  const r = await db
    .selectFrom('outbox')
    .select(COLUMNS)
    .where('finding_id', '=', findingId)
    .where('id', '>', String(afterId) as never)
    .where('status', '<>', 'done')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst()
  return r ? toRow(r as Row) : null
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

/** Taken in flight: committed before the sink is called, so a crash leaves a trace the next run looks up. */
export async function markInFlight(db: Kysely<Database>, id: number, at: Date) {
  await db
    .updateTable('outbox')
    .set({ status: 'in_flight', claimed_at: at, updated_at: at, attempts: sql`attempts + 1` as never })
    .where('id', '=', String(id) as never)
    .execute()
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
  r: { at: Date; nextAt: Date; error: string; keepInFlight: boolean },
) {
  await db
    .updateTable('outbox')
    .set({
      status: r.keepInFlight ? 'in_flight' : 'pending',
      next_attempt_at: r.nextAt,
      last_error: r.error,
      updated_at: r.at,
    })
    .where('id', '=', String(id) as never)
    .execute()
}

export async function markDead(db: Kysely<Database>, id: number, at: Date, error: string) {
  await db
    .updateTable('outbox')
    .set({ status: 'dead', last_error: error, updated_at: at })
    .where('id', '=', String(id) as never)
    .execute()
}

/**
 * Dead letters back to pending, attempts reset. A dead create that may have reached the sink stays
 * findable: the worker looks every create up before creating. Returns how many were revived.
 */
export async function reviveDead(db: Kysely<Database>, at: Date): Promise<number> {
  const res = await db
    .updateTable('outbox')
    .set({ status: 'pending', attempts: 0, next_attempt_at: at, updated_at: at })
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

import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { FindingEvent, FindingEventType, FindingStatus } from '../../model/finding.ts'
import type { Severity } from '../../model/severity.ts'
import type { Database, Db } from '../database.ts'

export interface NewFindingEvent {
  findingId: string
  runId: string
  type: FindingEventType
  at: Date
  severity: Severity
  status: FindingStatus
  data: Record<string, unknown>
}

const CHUNK = 5_000

/** Appends events in order and returns them with their ids (the outbox and exporters key on them). */
export async function insertFindingEvents(
  db: Kysely<Database>,
  events: readonly NewFindingEvent[],
): Promise<FindingEvent[]> {
  const out: FindingEvent[] = []
  for (let i = 0; i < events.length; i += CHUNK) {
    const chunk = events.slice(i, i + CHUNK)
    // unnest ... with ordinality keeps the order of ids the order of the events.
    const r = await sql<{ id: string | number; ord: number }>`
      insert into finding_events (finding_id, run_id, type, at, severity, status, data)
      select f, r, t, a, s, st, d from unnest(
        ${chunk.map((e) => e.findingId)}::text[], ${chunk.map((e) => e.runId)}::text[],
        ${chunk.map((e) => e.type)}::text[], ${chunk.map((e) => e.at.toISOString())}::timestamptz[],
        ${chunk.map((e) => e.severity)}::text[], ${chunk.map((e) => e.status)}::text[],
        ${chunk.map((e) => JSON.stringify(e.data))}::jsonb[]) with ordinality as u(f, r, t, a, s, st, d, ord)
      order by ord
      returning id`.execute(db)
    const ids = r.rows.map((x) => Number(x.id)).sort((a, b) => a - b)
    for (const [j, e] of chunk.entries()) out.push({ ...e, id: ids[j]! })
  }
  return out
}

export async function listFindingEvents(db: Db, findingId: string): Promise<FindingEvent[]> {
  const rows = await db
    .selectFrom('finding_events')
    .selectAll()
    .where('finding_id', '=', findingId)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    findingId: r.finding_id,
    runId: r.run_id,
    type: r.type as FindingEventType,
    at: r.at,
    severity: r.severity as Severity,
    status: r.status as FindingStatus,
    data: (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as Record<string, unknown>,
  }))
}

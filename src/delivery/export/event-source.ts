import type { FindingEvent, FindingEventType, FindingStatus } from '../../model/finding.ts'
import type { Severity } from '../../model/severity.ts'
import type { Db } from '../../store/database.ts'
import { findingFromRow, parseJson } from '../finding-row.ts'
import type { ExportRecord } from './ocsf.ts'

/**
 * One page of the finding history after `afterId`, in id order, each event with its finding: what every
 * exporter reads. Two queries a page, whatever its size.
 */
export async function readEventPage(
  db: Db,
  opts: { afterId: number; limit: number; since?: Date },
): Promise<ExportRecord[]> {
  let q = db
    .selectFrom('finding_events')
    .selectAll()
    .where('id', '>', String(opts.afterId) as never)
  if (opts.since) q = q.where('at', '>=', opts.since)
  const events = await q.orderBy('id').limit(opts.limit).execute()
  if (events.length === 0) return []
  const ids = [...new Set(events.map((e) => e.finding_id))]
  const findings = await db.selectFrom('findings').selectAll().where('id', 'in', ids).execute()
  const byId = new Map(findings.map((f) => [f.id, findingFromRow(f)]))
  return events.map((e) => {
    const event: FindingEvent = {
      id: Number(e.id),
      findingId: e.finding_id,
      runId: e.run_id,
      type: e.type as FindingEventType,
      at: e.at,
      severity: e.severity as Severity,
      status: e.status as FindingStatus,
      data: parseJson(e.data),
    }
    // finding_events.finding_id references findings: the finding is always there.
    return { event, finding: byId.get(e.finding_id)! }
  })
}

/** The last event before a time: where a replay "from this time" puts an exporter's cursor. */
export async function lastEventIdBefore(db: Db, at: Date): Promise<number> {
  const row = await db
    .selectFrom('finding_events')
    .select((eb) => eb.fn.max('id').as('id'))
    .where('at', '<', at)
    .executeTakeFirst()
  return row?.id ? Number(row.id) : 0
}

export async function lastEventId(db: Db): Promise<number> {
  const row = await db
    .selectFrom('finding_events')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst()
  return row?.id ? Number(row.id) : 0
}

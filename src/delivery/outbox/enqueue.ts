import { type Kysely, sql } from 'kysely'
import { now } from '../../core/clock.ts'
import type { FindingEvent, FindingEventType } from '../../model/finding.ts'
import { atLeast } from '../../model/severity.ts'
import type { Database } from '../../store/database.ts'
import {
  findingsWithOpenRows,
  insertOutboxRows,
  type NewOutboxRow,
  type OutboxAction,
} from '../../store/repositories/outbox.ts'
import { findingFromRow } from '../finding-row.ts'
import { type RaiseConfig, routeFinding } from './route.ts'

/** What the reconciler hands over: the events it just recorded, with their ids. */
export type RaiseEvent = Pick<FindingEvent, 'findingId' | 'type' | 'severity' | 'data'> & {
  id?: number | null
}

const ACTION: Record<FindingEventType, OutboxAction> = {
  opened: 'create',
  updated: 'update',
  reopened: 'reopen',
  unsuppressed: 'reopen',
  resolved: 'resolve',
  suppressed: 'resolve',
}

export interface EnqueueResult {
  enqueued: number
  /** Events at or above the floor that no route sends anywhere. */
  unrouted: number
}

/**
 * Turns finding events into outbox rows, inside the reconciler's transaction, so a finding's event and the
 * ticket work it causes commit (or vanish) together. Events at or above `raise.minSeverity` are queued; so are
 * the later events of a finding that already has a ticket or queued work (its ticket must still be updated and
 * resolved when its severity drops). A finding keeps the sink it was raised in, whatever the routes say later.
 */
export async function enqueueRaise(
  trx: Kysely<Database>,
  events: readonly RaiseEvent[],
  raise: RaiseConfig | undefined,
): Promise<EnqueueResult> {
  if (!raise || events.length === 0) return { enqueued: 0, unrouted: 0 }
  const ids = [...new Set(events.map((e) => e.findingId))]
  const findings = new Map<string, ReturnType<typeof findingFromRow>>()
  for (let i = 0; i < ids.length; i += 5_000) {
    const chunk = ids.slice(i, i + 5_000)
    const rows = await trx.selectFrom('findings').selectAll().where('id', 'in', chunk).execute()
    for (const r of rows) findings.set(r.id, findingFromRow(r))
  }
  const queued = await findingsWithOpenRows(trx, ids)
  const rows: NewOutboxRow[] = []
  let unrouted = 0
  for (const e of events) {
    const f = findings.get(e.findingId)
    if (!f) throw new Error(`finding event for unknown finding ${e.findingId}`)
    const tracked = f.raisedTicket !== null || queued.has(f.id)
    if (!tracked && !atLeast(e.severity, raise.minSeverity)) continue
    // Nothing raised and nothing queued: there is no ticket to resolve.
    if (!tracked && ACTION[e.type] === 'resolve') continue
    const sink = f.raisedTicket?.sink ?? routeFinding(raise, { ...f, severity: e.severity })
    if (!sink) {
      unrouted++
      continue
    }
    rows.push({
      findingId: f.id,
      eventId: e.id ?? null,
      sink,
      action: ACTION[e.type],
      detail: { event: e.type, severity: e.severity, ...(e.type === 'updated' ? { change: e.data } : {}) },
    })
    queued.add(f.id)
  }
  await insertOutboxRows(trx, rows, now())
  if (rows.length > 0) {
    await trx
      .updateTable('findings')
      .set({ delivery_state: 'pending' })
      .where(sql<boolean>`id = any(${[...new Set(rows.map((r) => r.findingId))]}::text[])`)
      .where((eb) => eb.or([eb('delivery_state', 'is', null), eb('delivery_state', '<>', 'dead')]))
      .execute()
  }
  return { enqueued: rows.length, unrouted }
}

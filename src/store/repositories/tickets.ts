import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { ObservedTicket } from '../../connectors/types.ts'
import type { Ticket } from '../../model/ticket.ts'
import { bulkUpsert } from '../bulk.ts'
import type { Db } from '../database.ts'
import { type SeenBy, SYNCED_COLUMNS, SYNCED_UPDATE, syncedValues } from './synced.ts'

const TICKETS = {
  table: 'tickets',
  columns: [
    { name: 'source', type: 'text' },
    { name: 'external_id', type: 'text' },
    { name: 'key', type: 'text' },
    { name: 'url', type: 'text' },
    { name: 'kind', type: 'text' },
    { name: 'state', type: 'text' },
    { name: 'approval', type: 'text' },
    { name: 'requester', type: 'text' },
    { name: 'beneficiary', type: 'text' },
    { name: 'targets', type: 'jsonb' },
    { name: 'justification', type: 'text' },
    { name: 'expires_at', type: 'timestamptz' },
    { name: 'created_at', type: 'timestamptz' },
    { name: 'updated_at', type: 'timestamptz' },
    { name: 'closed_at', type: 'timestamptz' },
    { name: 'unmappable', type: 'text' },
    ...SYNCED_COLUMNS,
  ],
  conflict: ['source', 'external_id'],
  update: [
    'key',
    'url',
    'kind',
    'state',
    'approval',
    'requester',
    'beneficiary',
    'targets',
    'justification',
    'expires_at',
    'created_at',
    'updated_at',
    'closed_at',
    'unmappable',
    ...SYNCED_UPDATE,
  ],
} as const

const APPROVALS = {
  table: 'approvals',
  columns: [
    { name: 'source', type: 'text' },
    { name: 'ticket_id', type: 'text' },
    { name: 'seq', type: 'integer' },
    { name: 'approver', type: 'text' },
    { name: 'decision', type: 'text' },
    { name: 'decided_at', type: 'timestamptz' },
  ],
  conflict: ['source', 'ticket_id', 'seq'],
  update: ['approver', 'decision', 'decided_at'],
} as const

/** Upserts tickets and replaces their approvals (a ticket's approvals are always read whole). */
export async function upsertTickets(db: Kysely<unknown>, rows: readonly ObservedTicket[], seen: SeenBy) {
  if (rows.length === 0) return
  const tail = syncedValues(seen)
  await bulkUpsert(
    db,
    TICKETS,
    rows.map((t) => [
      t.source,
      t.externalId,
      t.key,
      t.url,
      t.kind,
      t.state,
      t.approval,
      t.requester,
      t.beneficiary,
      t.targets,
      t.justification,
      t.expiresAt,
      t.createdAt,
      t.updatedAt,
      t.closedAt,
      t.unmappable,
      ...tail,
    ]),
  )
  const bySource = new Map<string, string[]>()
  for (const t of rows) bySource.set(t.source, [...(bySource.get(t.source) ?? []), t.externalId])
  for (const [source, ids] of bySource) {
    await sql`delete from approvals where source = ${source} and ticket_id = any(${ids}::text[])`.execute(db)
  }
  await bulkUpsert(
    db,
    APPROVALS,
    rows.flatMap((t) =>
      t.approvals.map((a, i) => [t.source, t.externalId, i, a.approver, a.decision, a.decidedAt]),
    ),
  )
}

export async function markTicketsRemoved(
  db: Kysely<unknown>,
  source: string,
  ids: readonly string[],
  at: Date,
) {
  if (ids.length === 0) return 0
  const r = await sql`update tickets set removed_at = ${at.toISOString()}::timestamptz
    where source = ${source} and external_id = any(${ids}::text[]) and removed_at is null`.execute(db)
  return Number(r.numAffectedRows ?? 0)
}

export async function listTickets(db: Db, source?: string): Promise<(Ticket & { removedAt: Date | null })[]> {
  let q = db.selectFrom('tickets').selectAll()
  if (source) q = q.where('source', '=', source)
  const rows = await q.orderBy('source').orderBy('external_id').execute()
  let aq = db.selectFrom('approvals').selectAll()
  if (source) aq = aq.where('source', '=', source)
  const approvals = await aq.orderBy('seq').execute()
  const byTicket = new Map<string, Ticket['approvals']>()
  for (const a of approvals) {
    const k = `${a.source}|${a.ticket_id}`
    byTicket.set(k, [
      ...(byTicket.get(k) ?? []),
      {
        approver: a.approver,
        decision: a.decision as Ticket['approvals'][number]['decision'],
        decidedAt: a.decided_at,
      },
    ])
  }
  return rows.map((r) => ({
    source: r.source,
    externalId: r.external_id,
    key: r.key,
    url: r.url,
    kind: r.kind as Ticket['kind'],
    state: r.state as Ticket['state'],
    approval: r.approval as Ticket['approval'],
    requester: r.requester,
    beneficiary: r.beneficiary,
    targets: r.targets,
    approvals: byTicket.get(`${r.source}|${r.external_id}`) ?? [],
    justification: r.justification,
    expiresAt: r.expires_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    closedAt: r.closed_at,
    unmappable: r.unmappable,
    removedAt: r.removed_at,
  }))
}

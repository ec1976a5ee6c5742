import type { Kysely } from 'kysely'
import type { FindingEventType } from '../../../src/model/finding.ts'
import type { RuleId } from '../../../src/model/rule-id.ts'
import type { Severity } from '../../../src/model/severity.ts'
import type { Database, Db } from '../../../src/store/database.ts'

/** Findings and events written the way the reconciler writes them (it is built beside delivery). */
export interface SeedFinding {
  id: string
  rule?: RuleId
  severity?: Severity
  status?: 'open' | 'resolved' | 'suppressed'
  identityKey?: string
  identityKind?: 'person' | 'nhi'
  entitlementSource?: string | null
  entitlementId?: string | null
  entitlementName?: string | null
  ticketKey?: string | null
  title?: string
  at?: Date
}

export async function upsertFinding(db: Kysely<Database>, f: SeedFinding) {
  const at = f.at ?? new Date('2026-11-29T10:00:00Z')
  const values = {
    id: f.id,
    rule: f.rule ?? 'ACC-001',
    severity: f.severity ?? 'high',
    status: f.status ?? 'open',
    identity_key: f.identityKey ?? `user-${f.id}@contoso.com`,
    identity_kind: f.identityKind ?? 'person',
    entitlement_source: f.entitlementSource === undefined ? 'entra' : f.entitlementSource,
    entitlement_type: 'group',
    entitlement_id: f.entitlementId === undefined ? `grp-${f.id}` : f.entitlementId,
    entitlement_name: f.entitlementName === undefined ? `Group ${f.id}` : f.entitlementName,
    ticket_source: f.ticketKey ? 'snow' : null,
    ticket_key: f.ticketKey ?? null,
    credential_key_id: null,
    title: f.title ?? `Direct grant with no covering ticket (${f.id})`,
    evidence: JSON.stringify({ grant: { principal: `u-${f.id}` } }),
    first_seen: at,
    last_seen: at,
    resolved_at: f.status === 'resolved' ? at : null,
    suppressed_until: null,
    updated_run_id: 'run-1',
  }
  await db
    .insertInto('findings')
    .values(values)
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        severity: values.severity,
        status: values.status,
        last_seen: values.last_seen,
        resolved_at: values.resolved_at,
        title: values.title,
      }),
    )
    .execute()
}

export interface SeededEvent {
  id: number
  findingId: string
  type: FindingEventType
  severity: Severity
  data: Record<string, unknown>
}

export async function addEvent(
  db: Kysely<Database>,
  e: {
    findingId: string
    type: FindingEventType
    severity?: Severity
    status?: string
    at?: Date
    data?: object
  },
): Promise<SeededEvent> {
  const row = await db
    .insertInto('finding_events')
    .values({
      finding_id: e.findingId,
      run_id: 'run-1',
      type: e.type,
      at: e.at ?? new Date('2026-11-29T10:00:00Z'),
      severity: e.severity ?? 'high',
      status: e.status ?? (e.type === 'resolved' ? 'resolved' : 'open'),
      data: JSON.stringify(e.data ?? {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return {
    id: Number(row.id),
    findingId: e.findingId,
    type: e.type,
    severity: e.severity ?? 'high',
    data: (e.data ?? {}) as Record<string, unknown>,
  }
}

export async function countOutbox(db: Db, status?: string): Promise<number> {
  let q = db.selectFrom('outbox').select(db.fn.countAll<string>().as('n'))
  if (status) q = q.where('status', '=', status)
  return Number((await q.executeTakeFirstOrThrow()).n)
}

import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { EntitlementType } from '../../model/entitlement.ts'
import type { Finding, FindingStatus } from '../../model/finding.ts'
import type { RuleId } from '../../model/rule-id.ts'
import type { Severity } from '../../model/severity.ts'
import { bulkUpsert } from '../bulk.ts'
import type { Database, Db, FindingRow } from '../database.ts'

/** A finding as the reconciler writes it (raised-ticket columns belong to delivery and are left alone). */
export interface FindingWrite {
  id: string
  rule: RuleId
  severity: Severity
  status: FindingStatus
  identityKey: string | null
  identityKind: string | null
  entitlementSource: string | null
  entitlementType: string | null
  entitlementId: string | null
  entitlementName: string | null
  ticketSource: string | null
  ticketKey: string | null
  credentialKeyId: string | null
  title: string
  evidence: Record<string, unknown>
  firstSeen: Date
  lastSeen: Date
  resolvedAt: Date | null
  suppressedUntil: Date | null
  runId: string
  dependsOn: string[]
  material: string
}

const SPEC = {
  table: 'findings',
  columns: [
    { name: 'id', type: 'text' },
    { name: 'rule', type: 'text' },
    { name: 'severity', type: 'text' },
    { name: 'status', type: 'text' },
    { name: 'identity_key', type: 'text' },
    { name: 'identity_kind', type: 'text' },
    { name: 'entitlement_source', type: 'text' },
    { name: 'entitlement_type', type: 'text' },
    { name: 'entitlement_id', type: 'text' },
    { name: 'entitlement_name', type: 'text' },
    { name: 'ticket_source', type: 'text' },
    { name: 'ticket_key', type: 'text' },
    { name: 'credential_key_id', type: 'text' },
    { name: 'title', type: 'text' },
    { name: 'evidence', type: 'jsonb' },
    { name: 'first_seen', type: 'timestamptz' },
    { name: 'last_seen', type: 'timestamptz' },
    { name: 'resolved_at', type: 'timestamptz' },
    { name: 'suppressed_until', type: 'timestamptz' },
    { name: 'updated_run_id', type: 'text' },
    { name: 'depends_on', type: 'text[]' },
    { name: 'material', type: 'text' },
  ],
  conflict: ['id'],
  // first_seen stays: a reopened finding keeps its history and its id.
  update: [
    'rule',
    'severity',
    'status',
    'identity_key',
    'identity_kind',
    'entitlement_source',
    'entitlement_type',
    'entitlement_id',
    'entitlement_name',
    'ticket_source',
    'ticket_key',
    'credential_key_id',
    'title',
    'evidence',
    'last_seen',
    'resolved_at',
    'suppressed_until',
    'updated_run_id',
    'depends_on',
    'material',
  ],
} as const

export async function upsertFindings(db: Kysely<Database>, rows: readonly FindingWrite[]) {
  await bulkUpsert(
    db as unknown as Kysely<unknown>,
    SPEC,
    rows.map((f) => [
      f.id,
      f.rule,
      f.severity,
      f.status,
      f.identityKey,
      f.identityKind,
      f.entitlementSource,
      f.entitlementType,
      f.entitlementId,
      f.entitlementName,
      f.ticketSource,
      f.ticketKey,
      f.credentialKeyId,
      f.title,
      f.evidence,
      f.firstSeen,
      f.lastSeen,
      f.resolvedAt,
      f.suppressedUntil,
      f.runId,
      f.dependsOn,
      f.material,
    ]),
  )
}

const CHUNK = 10_000

/** Still there, unchanged: only `last_seen` moves. */
export async function touchFindings(db: Kysely<Database>, ids: readonly string[], at: Date, runId: string) {
  for (let i = 0; i < ids.length; i += CHUNK) {
    await sql`update findings set last_seen = ${at.toISOString()}::timestamptz, updated_run_id = ${runId}
      where id = any(${ids.slice(i, i + CHUNK)}::text[])`.execute(db)
  }
}

export async function resolveFindings(db: Kysely<Database>, ids: readonly string[], at: Date, runId: string) {
  for (let i = 0; i < ids.length; i += CHUNK) {
    await sql`update findings set status = 'resolved', resolved_at = ${at.toISOString()}::timestamptz,
        suppressed_until = null, updated_run_id = ${runId}
      where id = any(${ids.slice(i, i + CHUNK)}::text[])`.execute(db)
  }
}

/** What lifecycle compares a run's findings with. */
export interface FindingState {
  id: string
  rule: string
  status: FindingStatus
  severity: Severity
  material: string
  dependsOn: string[]
  firstSeen: Date
}

export async function loadFindingStates(db: Db): Promise<Map<string, FindingState>> {
  const out = new Map<string, FindingState>()
  let after = ''
  for (;;) {
    const rows = await db
      .selectFrom('findings')
      .select(['id', 'rule', 'status', 'severity', 'material', 'depends_on', 'first_seen'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(CHUNK)
      .execute()
    for (const r of rows) {
      out.set(r.id, {
        id: r.id,
        rule: r.rule,
        status: r.status as FindingStatus,
        severity: r.severity as Severity,
        material: r.material,
        dependsOn: r.depends_on ?? [],
        firstSeen: r.first_seen,
      })
    }
    if (rows.length < CHUNK) return out
    after = rows[rows.length - 1]!.id
  }
}

export function findingFromRow(r: FindingRow): Finding {
  return {
    id: r.id,
    rule: r.rule as Finding['rule'],
    severity: r.severity as Severity,
    status: r.status as FindingStatus,
    identity: r.identity_key
      ? { key: r.identity_key, kind: (r.identity_kind ?? 'person') as 'person' | 'nhi' }
      : null,
    entitlement:
      r.entitlement_source !== null && r.entitlement_name !== null
        ? {
            source: r.entitlement_source,
            type: r.entitlement_type as EntitlementType | null,
            externalId: r.entitlement_id,
            name: r.entitlement_name,
          }
        : null,
    ticket: r.ticket_source && r.ticket_key ? { source: r.ticket_source, key: r.ticket_key } : null,
    credentialKeyId: r.credential_key_id,
    title: r.title,
    evidence: (typeof r.evidence === 'string' ? JSON.parse(r.evidence) : r.evidence) as Record<
      string,
      unknown
    >,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    resolvedAt: r.resolved_at,
    raisedTicket:
      r.raised_sink && r.raised_key ? { sink: r.raised_sink, key: r.raised_key, url: r.raised_url } : null,
  }
}

export interface FindingFilter {
  rule?: readonly string[]
  status?: readonly string[]
  severity?: readonly string[]
  /** Only findings whose id matches this glob (SQL LIKE pattern). */
  idLike?: string
}

export async function listFindings(db: Db, f: FindingFilter = {}): Promise<Finding[]> {
  let q = db.selectFrom('findings').selectAll()
  if (f.rule?.length) q = q.where('rule', 'in', [...f.rule])
  if (f.status?.length) q = q.where('status', 'in', [...f.status])
  if (f.severity?.length) q = q.where('severity', 'in', [...f.severity])
  if (f.idLike) q = q.where('id', 'like', f.idLike)
  const rows = await q.orderBy('rule').orderBy('id').execute()
  return rows.map(findingFromRow)
}

export async function getFinding(db: Db, id: string): Promise<Finding | null> {
  const r = await db.selectFrom('findings').selectAll().where('id', '=', id).executeTakeFirst()
  return r ? findingFromRow(r) : null
}

/** Ids starting with a prefix (what a user types from a table), for `findings show`. */
export async function findingIdsByPrefix(db: Db, prefix: string, limit = 5): Promise<string[]> {
  const rows = await db
    .selectFrom('findings')
    .select('id')
    .where('id', 'like', `${prefix.replace(/[%_\\]/g, '\\$&')}%`)
    .orderBy('id')
    .limit(limit)
    .execute()
  return rows.map((r) => r.id)
}

/** Open findings by rule and severity: what `reconcile` summarises and `--fail-on` checks. */
export async function countOpenBy(db: Db): Promise<{ rule: string; severity: string; count: number }[]> {
  const rows = await db
    .selectFrom('findings')
    .select(['rule', 'severity', sql<number>`count(*)::int`.as('count')])
    .where('status', '=', 'open')
    .groupBy(['rule', 'severity'])
    .orderBy('rule')
    .orderBy('severity')
    .execute()
  return rows.map((r) => ({ rule: r.rule, severity: r.severity, count: Number(r.count) }))
}

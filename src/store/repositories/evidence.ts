import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import { bulkUpsert } from '../bulk.ts'
import type { Database, Db } from '../database.ts'

/** What covered a direct grant: the audit evidence an auditor samples. */
export interface EvidenceWrite {
  source: string
  principalType: string
  principalId: string
  entitlementId: string
  coveredBy: 'ticket' | 'birthright' | 'baseline' | 'exception'
  ticketSource: string | null
  ticketId: string | null
  ticketKey: string | null
  detail: Record<string, unknown>
  approvedAt: Date | null
  grantedAt: Date | null
  grantFirstSeen: Date
  at: Date
  runId: string
}

const SPEC = {
  table: 'evidence_matches',
  columns: [
    { name: 'source', type: 'text' },
    { name: 'principal_type', type: 'text' },
    { name: 'principal_id', type: 'text' },
    { name: 'entitlement_id', type: 'text' },
    { name: 'covered_by', type: 'text' },
    { name: 'ticket_source', type: 'text' },
    { name: 'ticket_id', type: 'text' },
    { name: 'ticket_key', type: 'text' },
    { name: 'detail', type: 'jsonb' },
    { name: 'approved_at', type: 'timestamptz' },
    { name: 'granted_at', type: 'timestamptz' },
    { name: 'grant_first_seen', type: 'timestamptz' },
    { name: 'first_matched_at', type: 'timestamptz' },
    { name: 'last_matched_at', type: 'timestamptz' },
    { name: 'run_id', type: 'text' },
  ],
  conflict: ['source', 'principal_type', 'principal_id', 'entitlement_id'],
  // first_matched_at stays: when the grant was first found covered.
  update: [
    'covered_by',
    'ticket_source',
    'ticket_id',
    'ticket_key',
    'detail',
    'approved_at',
    'granted_at',
    'grant_first_seen',
    'last_matched_at',
    'run_id',
  ],
} as const

/**
 * Records (or re-records, when what covers it changed) the evidence of covered grants. The reconciler writes
 * only new or changed matches, so a steady-state run writes little.
 */
export async function upsertEvidence(db: Kysely<Database>, rows: readonly EvidenceWrite[]) {
  await bulkUpsert(
    db as unknown as Kysely<unknown>,
    SPEC,
    rows.map((e) => [
      e.source,
      e.principalType,
      e.principalId,
      e.entitlementId,
      e.coveredBy,
      e.ticketSource,
      e.ticketId,
      e.ticketKey,
      e.detail,
      e.approvedAt,
      e.grantedAt,
      e.grantFirstSeen,
      e.at,
      e.at,
      e.runId,
    ]),
  )
}

export interface EvidenceQuery {
  /** Person key, NHI key, account (email/UPN/login) or principal id; case-insensitive. */
  identity?: string
  /** Entitlement name (case-insensitive) or external id. */
  entitlement?: string
  /** Evidence as it stood then: recorded by then, for grants present then. */
  asOf?: Date
  sample?: number
  limit?: number
}

export interface EvidenceRow {
  source: string
  principalId: string
  identity: string | null
  account: string | null
  entitlementId: string
  entitlement: string | null
  entitlementType: string | null
  coveredBy: string
  ticketSource: string | null
  ticketKey: string | null
  ticketUrl: string | null
  approvers: string[]
  approvedAt: Date | null
  grantedAt: Date | null
  grantFirstSeen: Date
  grantRemovedAt: Date | null
  firstMatchedAt: Date
  detail: Record<string, unknown>
}

/** The evidence chain for audit sampling: each covered grant with who it is, what, and what covered it. */
export async function queryEvidence(db: Db, q: EvidenceQuery): Promise<EvidenceRow[]> {
  const asOf = q.asOf?.toISOString() ?? null
  const ident = q.identity?.trim().toLowerCase() ?? null
  const ent = q.entitlement?.trim() ?? null
  const limit = q.sample ?? q.limit ?? 1_000_000
  const r = await sql<{
    source: string
    principal_id: string
    person_key: string | null
    account: string | null
    entitlement_id: string
    ent_name: string | null
    ent_type: string | null
    covered_by: string
    ticket_source: string | null
    ticket_key: string | null
    ticket_url: string | null
    detail: Record<string, unknown> | string
    approved_at: Date | null
    granted_at: Date | null
    grant_first_seen: Date
    removed_at: Date | null
    first_matched_at: Date
  }>`
    select e.source, e.principal_id, pk.person_key, coalesce(i.email, i.upn, i.login, i.display_name) as account,
      e.entitlement_id, en.name as ent_name, en.type as ent_type, e.covered_by, e.ticket_source, e.ticket_key,
      t.url as ticket_url, e.detail, e.approved_at, e.granted_at, e.grant_first_seen, g.removed_at, e.first_matched_at
    from evidence_matches e
    join grants g on g.source = e.source and g.principal_type = e.principal_type
      and g.principal_id = e.principal_id and g.entitlement_id = e.entitlement_id
    left join identities i on i.source = e.source and i.external_id = e.principal_id
    left join person_keys pk on pk.source = e.source and pk.external_id = e.principal_id
    left join entitlements en on en.source = e.source and en.external_id = e.entitlement_id
    left join tickets t on t.source = e.ticket_source and t.external_id = e.ticket_id
    where e.principal_type = 'identity'
      and (${asOf}::timestamptz is null
        or (e.first_matched_at <= ${asOf}::timestamptz and g.first_seen <= ${asOf}::timestamptz
            and (g.removed_at is null or g.removed_at > ${asOf}::timestamptz)))
      and (${asOf}::timestamptz is not null or g.removed_at is null)
      and (${ident}::text is null or lower(pk.person_key) = ${ident} or lower(i.email) = ${ident}
        or lower(i.upn) = ${ident} or lower(i.login) = ${ident} or e.principal_id = ${q.identity ?? null}
        or lower(e.source || ':' || e.principal_id) = ${ident})
      and (${ent}::text is null or lower(en.name) = lower(${ent}) or e.entitlement_id = ${ent})
    order by ${q.sample ? sql`random()` : sql`pk.person_key, en.name, e.source, e.principal_id`}
    limit ${limit}`.execute(db)
  return r.rows.map((x) => {
    const detail = (typeof x.detail === 'string' ? JSON.parse(x.detail) : x.detail) as Record<string, unknown>
    return {
      source: x.source,
      principalId: x.principal_id,
      identity: x.person_key,
      account: x.account,
      entitlementId: x.entitlement_id,
      entitlement: x.ent_name,
      entitlementType: x.ent_type,
      coveredBy: x.covered_by,
      ticketSource: x.ticket_source,
      ticketKey: x.ticket_key,
      ticketUrl: x.ticket_url,
      approvers: Array.isArray(detail.approvers)
        ? (detail.approvers as { approver: string }[]).map((a) => a.approver)
        : [],
      approvedAt: x.approved_at,
      grantedAt: x.granted_at,
      grantFirstSeen: x.grant_first_seen,
      grantRemovedAt: x.removed_at,
      firstMatchedAt: x.first_matched_at,
      detail,
    }
  })
}

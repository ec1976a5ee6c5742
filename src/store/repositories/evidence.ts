import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import { jsonWithoutNul } from '../bulk.ts'
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
  /**
   * What covered it, in words and times. Rows may share one object (every grant one ticket covers carries the
   * ticket's approvals): a shared object is sent once per statement.
   */
  detail: Record<string, unknown>
  /** Epoch ms. */
  approvedAt: number | null
  grantedAt: number | null
  grantFirstSeen: number
}

/** Rows per statement. */
const CHUNK = 25_000

/**
 * Records (or re-records, when what covers it changed) the evidence of covered grants, at most one row per grant
 * in a call. The reconciler writes only new or changed matches, so a steady-state run writes little; a first
 * run on a large tenant writes a million rows, so the rows travel as one JSON document per statement (parsed
 * by the database in C, with the shared details once), not as fifteen arrays of per-value parameters.
 */
export async function upsertEvidence(
  db: Kysely<Database>,
  rows: readonly EvidenceWrite[],
  run: { at: Date; runId: string },
) {
  for (let start = 0; start < rows.length; start += CHUNK) {
    const details: Record<string, unknown>[] = []
    const detailIndex = new Map<Record<string, unknown>, number>()
    const out: unknown[] = []
    for (const e of rows.slice(start, start + CHUNK)) {
      let d = detailIndex.get(e.detail)
      if (d === undefined) {
        d = details.length
        details.push(e.detail)
        detailIndex.set(e.detail, d)
      }
      out.push({
        s: e.source,
        pt: e.principalType,
        p: e.principalId,
        e: e.entitlementId,
        c: e.coveredBy,
        ts: e.ticketSource,
        ti: e.ticketId,
        tk: e.ticketKey,
        d,
        aa: e.approvedAt,
        ga: e.grantedAt,
        fs: e.grantFirstSeen,
      })
    }
    // Short keys: json_to_recordset maps them to typed columns, far faster than extracting array elements.
    await sql`insert into evidence_matches (source, principal_type, principal_id, entitlement_id, covered_by,
        ticket_source, ticket_id, ticket_key, detail, approved_at, granted_at, grant_first_seen, first_matched_at,
        last_matched_at, run_id)
      select r.s, r.pt, r.p, r.e, r.c, r.ts, r.ti, r.tk, x.value, to_timestamp(r.aa / 1000),
        to_timestamp(r.ga / 1000), to_timestamp(r.fs / 1000), ${run.at}::timestamptz, ${run.at}::timestamptz,
        ${run.runId}::text
      from json_to_recordset(${jsonWithoutNul(out)}::json) as r(s text, pt text, p text, e text, c text,
        ts text, ti text, tk text, d int, aa float8, ga float8, fs float8)
      join jsonb_array_elements(${jsonWithoutNul(details)}::jsonb) with ordinality as x(value, n) on x.n = r.d + 1
      on conflict (source, principal_type, principal_id, entitlement_id) do update set
        covered_by = excluded.covered_by, ticket_source = excluded.ticket_source, ticket_id = excluded.ticket_id,
        ticket_key = excluded.ticket_key, detail = excluded.detail, approved_at = excluded.approved_at,
        granted_at = excluded.granted_at, grant_first_seen = excluded.grant_first_seen,
        last_matched_at = excluded.last_matched_at, run_id = excluded.run_id`.execute(db)
  }
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

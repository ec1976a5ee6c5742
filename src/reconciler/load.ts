import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { EntitlementType } from '../model/entitlement.ts'
import type { IdentityKind, IdentityStatus } from '../model/identity.ts'
import type { TicketKind, TicketState, TicketTarget, Verdict } from '../model/ticket.ts'
import type { Database, Db } from '../store/database.ts'
import {
  COVERED_BY,
  type EntitlementRec,
  type GrantColumns,
  type IdentityRec,
  recKey,
  type Snapshot,
  type TicketRec,
} from './snapshot.ts'

/** Rows per fetch: large enough to amortise round trips, small enough that a page is a few MB. */
const PAGE = 10_000

class Interner {
  readonly values: string[] = []
  readonly #index = new Map<string, number>()
  id(v: string): number {
    let i = this.#index.get(v)
    if (i === undefined) {
      i = this.values.length
      this.values.push(v)
      this.#index.set(v, i)
    }
    return i
  }
}

const ms = (v: unknown): number => (v === null || v === undefined ? Number.NaN : Number(v))
const msOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))

/**
 * Reads what a run needs, streamed through cursors (memory holds one page of rows at a time beside the compact
 * result): present identities, entitlements, credentials and direct grants, and the tickets of the
 * look-back window with their approvals. Direct grants come with their baseline acceptance and the evidence
 * recorded by earlier runs, joined in SQL.
 */
export async function loadSnapshot(db: Db, opts: { now: Date; lookBackDays: number }): Promise<Snapshot> {
  const now = opts.now.getTime()
  const windowStart = now - opts.lookBackDays * 86_400_000
  const streams = new Interner()
  // One repeatable-read transaction: every table is read as of the same moment.
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const identities: IdentityRec[] = []
      const identityIndex = new Map<string, number>()
      await scan<{
        source: string
        external_id: string
        kind: string
        status: string
        email: string | null
        upn: string | null
        login: string | null
        display_name: string | null
        owners: string[]
        stream: string
      }>(
        trx,
        sql`select source, external_id, kind, status, email, upn, login, display_name, owners, stream
      from identities where removed_at is null`,
        (r) => {
          identityIndex.set(recKey(r.source, r.external_id), identities.length)
          identities.push({
            source: r.source,
            externalId: r.external_id,
            kind: r.kind as IdentityKind,
            status: r.status as IdentityStatus,
            email: r.email,
            upn: r.upn,
            login: r.login,
            displayName: r.display_name,
            owners: r.owners ?? [],
            stream: streams.id(recKey(r.source, r.stream)),
            subject: -1,
          })
        },
      )

      const entitlements: EntitlementRec[] = []
      const entitlementIndex = new Map<string, number>()
      await scan<{
        source: string
        external_id: string
        type: string
        name: string
        resource: string | null
        privileged: boolean
        stream: string
      }>(
        trx,
        sql`select source, external_id, type, name, resource, privileged, stream
      from entitlements where removed_at is null`,
        (r) => {
          entitlementIndex.set(recKey(r.source, r.external_id), entitlements.length)
          entitlements.push({
            source: r.source,
            externalId: r.external_id,
            type: r.type as EntitlementType,
            name: r.name,
            resource: r.resource,
            privileged: r.privileged,
            stream: streams.id(recKey(r.source, r.stream)),
          })
        },
      )

      const g: GrantColumns = {
        n: 0,
        principal: [],
        isGroup: [],
        ent: [],
        grantedAt: [],
        firstSeen: [],
        stream: [],
        baselined: [],
        evCoveredBy: [],
        evTicket: [],
        evExpires: [],
      }
      const evTickets = new Interner()
      await scan<{
        source: string
        principal_type: string
        principal_id: string
        entitlement_id: string
        stream: string
        granted_ms: number | null
        first_ms: number
        baselined: boolean
        covered_by: string | null
        ticket_source: string | null
        ticket_id: string | null
        ev_expires: string | null
      }>(
        trx,
        sql`select g.source, g.principal_type, g.principal_id, g.entitlement_id, g.stream,
        (extract(epoch from g.granted_at) * 1000)::float8 as granted_ms,
        (extract(epoch from g.first_seen) * 1000)::float8 as first_ms,
        (b.source is not null) as baselined, e.covered_by, e.ticket_source, e.ticket_id,
        e.detail ->> 'expiresAt' as ev_expires
      from grants g
      left join baseline b on b.source = g.source and b.principal_type = g.principal_type
        and b.principal_id = g.principal_id and b.entitlement_id = g.entitlement_id
      left join evidence_matches e on e.source = g.source and e.principal_type = g.principal_type
        and e.principal_id = g.principal_id and e.entitlement_id = g.entitlement_id
      where g.removed_at is null`,
        (r) => {
          const ent = entitlementIndex.get(recKey(r.source, r.entitlement_id))
          const isGroup = r.principal_type === 'group'
          const principal = isGroup
            ? entitlementIndex.get(recKey(r.source, r.principal_id))
            : identityIndex.get(recKey(r.source, r.principal_id))
          // A grant to or from something removed (or never listed) fires nothing: it cannot be attributed.
          if (ent === undefined || principal === undefined) return
          g.principal.push(principal)
          g.isGroup.push(isGroup ? 1 : 0)
          g.ent.push(ent)
          g.grantedAt.push(ms(r.granted_ms))
          g.firstSeen.push(Number(r.first_ms))
          g.stream.push(streams.id(recKey(r.source, r.stream)))
          g.baselined.push(r.baselined ? 1 : 0)
          const cb = r.covered_by ? COVERED_BY.indexOf(r.covered_by as (typeof COVERED_BY)[number]) : 0
          g.evCoveredBy.push(Math.max(cb, 0))
          g.evTicket.push(
            r.ticket_source && r.ticket_id ? evTickets.id(recKey(r.ticket_source, r.ticket_id)) : -1,
          )
          g.evExpires.push(r.ev_expires ? Date.parse(r.ev_expires) : Number.NaN)
          g.n++
        },
      )

      const tickets: TicketRec[] = []
      await scan<{
        source: string
        external_id: string
        key: string
        url: string | null
        kind: string
        state: string
        approval: string
        requester: string | null
        beneficiary: string | null
        targets: TicketTarget[]
        expires_ms: number | null
        created_ms: number
        updated_ms: number
        closed_ms: number | null
        unmappable: string | null
        stream: string
        approvals: [string, string, number | null][] | string
      }>(
        trx,
        sql`select t.source, t.external_id, t.key, t.url, t.kind, t.state, t.approval, t.requester, t.beneficiary,
        t.targets, t.unmappable, t.stream,
        (extract(epoch from t.expires_at) * 1000)::float8 as expires_ms,
        (extract(epoch from t.created_at) * 1000)::float8 as created_ms,
        (extract(epoch from t.updated_at) * 1000)::float8 as updated_ms,
        (extract(epoch from t.closed_at) * 1000)::float8 as closed_ms,
        coalesce(a.approvals, '[]'::jsonb) as approvals
      from tickets t
      left join (
        select source, ticket_id, jsonb_agg(jsonb_build_array(approver, decision,
          (extract(epoch from decided_at) * 1000)::float8) order by seq) as approvals
        from approvals group by source, ticket_id
      ) a on a.source = t.source and a.ticket_id = t.external_id
      where t.removed_at is null and t.created_at >= ${new Date(windowStart).toISOString()}::timestamptz`,
        (r) => {
          const approvals = typeof r.approvals === 'string' ? JSON.parse(r.approvals) : r.approvals
          tickets.push({
            source: r.source,
            externalId: r.external_id,
            key: r.key,
            url: r.url,
            kind: r.kind as TicketKind,
            state: r.state as TicketState,
            approval: r.approval as Verdict,
            requester: r.requester,
            beneficiary: r.beneficiary,
            targets: typeof r.targets === 'string' ? JSON.parse(r.targets) : (r.targets ?? []),
            approvals: (approvals as [string, string, number | null][]).map(([approver, decision, at]) => ({
              approver,
              decision: decision as TicketRec['approvals'][number]['decision'],
              decidedAt: msOrNull(at),
            })),
            expiresAt: msOrNull(r.expires_ms),
            createdAt: Number(r.created_ms),
            updatedAt: Number(r.updated_ms),
            closedAt: msOrNull(r.closed_ms),
            unmappable: r.unmappable,
            stream: streams.id(recKey(r.source, r.stream)),
          })
        },
      )

      const credentials: Snapshot['credentials'] = []
      await scan<{
        source: string
        identity_id: string
        key_id: string
        type: string
        display_name: string | null
        created_ms: number | null
        expires_ms: number | null
        stream: string
      }>(
        trx,
        sql`select source, identity_id, key_id, type, display_name, stream,
        (extract(epoch from created_at) * 1000)::float8 as created_ms,
        (extract(epoch from expires_at) * 1000)::float8 as expires_ms
      from credentials where removed_at is null`,
        (r) => {
          credentials.push({
            source: r.source,
            identityId: r.identity_id,
            keyId: r.key_id,
            type: r.type,
            displayName: r.display_name,
            createdAt: msOrNull(r.created_ms),
            expiresAt: msOrNull(r.expires_ms),
            stream: streams.id(recKey(r.source, r.stream)),
          })
        },
      )

      return {
        now,
        windowStart,
        streams: streams.values,
        identities,
        identityIndex,
        entitlements,
        entitlementIndex,
        grants: g,
        evTickets: evTickets.values,
        tickets,
        credentials,
        subjects: [],
        subjectIndex: new Map(),
      }
    })
}

let cursorNo = 0

/**
 * Streams a query's rows through a server-side cursor, a page at a time, so memory holds one page whatever the
 * table size, and the query runs once (no re-sorting per page as keyset pagination over a join would).
 */
async function scan<R>(
  trx: Kysely<Database>,
  query: RawBuilder<unknown>,
  each: (row: R) => void,
): Promise<void> {
  const name = sql.raw(`accord_scan_${++cursorNo}`)
  await sql`declare ${name} no scroll cursor for ${query}`.execute(trx)
  for (;;) {
    const { rows } = await sql<R>`fetch forward ${sql.raw(String(PAGE))} from ${name}`.execute(trx)
    for (const r of rows) each(r)
    if (rows.length < PAGE) break
  }
  await sql`close ${name}`.execute(trx)
}

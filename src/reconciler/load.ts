import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { EntitlementType } from '../model/entitlement.ts'
import type { IdentityKind, IdentityStatus } from '../model/identity.ts'
import type { TicketKind, TicketState, TicketTarget, Verdict } from '../model/ticket.ts'
import type { Database, Db } from '../store/database.ts'
import { connectionsOf } from '../store/open.ts'
import {
  COVERED_BY,
  type EntitlementRec,
  grantColumns,
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
  #last = ''
  #lastId = -1
  id(v: string): number {
    // Rows come in runs of one stream: comparing with the last value is cheaper than hashing a fresh string.
    if (v === this.#last) return this.#lastId
    let i = this.#index.get(v)
    if (i === undefined) {
      i = this.values.length
      this.values.push(v)
      this.#index.set(v, i)
    }
    this.#last = v
    this.#lastId = i
    return i
  }
}

const ms = (v: unknown): number => (v === null || v === undefined ? Number.NaN : Number(v))
const msOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))

/**
 * One copy of each repeated string (sources, states, approvers, target names): the driver makes a fresh copy
 * per row, and a quarter of a million tickets would otherwise hold a million duplicates.
 */
function stringPool(): <T extends string | null>(v: T) => T {
  const pool = new Map<string, string>()
  return <T extends string | null>(v: T): T => {
    if (v === null) return v
    const hit = pool.get(v)
    if (hit !== undefined) return hit as T
    pool.set(v, v)
    return v
  }
}

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
  const str = stringPool()
  // One repeatable-read transaction: every table is read as of the same moment.
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      // Cursors are planned for their first rows by default (merge joins over index scans); every row is read
      // here, so plan for the whole result (hash joins), as a plain query would be.
      await sql`set local cursor_tuple_fraction = 1`.execute(trx)
      // On Postgres the tickets are read on a second connection at the same time, in this very snapshot
      // (exported to it), so the database works on both scans at once. PGlite has one connection.
      let ticketsElsewhere: Promise<TicketRec[]> | undefined
      // Three: this one, the tickets' one, and the reconcile lock's (reconcile.ts), or it would wait for itself.
      if (connectionsOf(db) >= 3) {
        const { rows } = await sql<{ id: string }>`select pg_export_snapshot() as id`.execute(trx)
        ticketsElsewhere = db
          .transaction()
          .setIsolationLevel('repeatable read')
          .execute(async (other) => {
            await sql`set transaction snapshot ${sql.lit(rows[0]!.id)}`.execute(other)
            await sql`set local cursor_tuple_fraction = 1`.execute(other)
            return scanTickets(other, windowStart, str, streams)
          })
        // Awaited below; a failure before then must not be reported as unhandled.
        ticketsElsewhere.catch(() => {})
      }
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
      from identities where removed_at is null order by source, external_id`,
        (r) => {
          identityIndex.set(recKey(r.source, r.external_id), identities.length)
          identities.push({
            source: str(r.source),
            externalId: r.external_id,
            kind: str(r.kind) as IdentityKind,
            status: str(r.status) as IdentityStatus,
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
      from entitlements where removed_at is null order by source, external_id`,
        (r) => {
          entitlementIndex.set(recKey(r.source, r.external_id), entitlements.length)
          entitlements.push({
            source: str(r.source),
            externalId: r.external_id,
            type: str(r.type) as EntitlementType,
            name: r.name,
            resource: r.resource,
            privileged: r.privileged,
            stream: streams.id(recKey(r.source, r.stream)),
          })
        },
      )

      // Counted in the same snapshot, so the columns are allocated once at their final size (an upper bound:
      // grants of removed principals are left out below).
      const counted = await sql<{
        n: number
      }>`select count(*)::int as n from grants where removed_at is null`.execute(trx)
      const g = grantColumns(counted.rows[0]!.n)
      const evTickets = new Interner()
      // The principal and entitlement come back as the indexes the scans above gave them (their rank in the
      // same order, in the same snapshot), so a million rows cost no string keys or map lookups here. The ranks
      // go through analysed temporary tables: over CTEs the planner misjudges the joins by orders of magnitude.
      for (const [table, from] of [
        ['accord_identity_ord', 'identities'],
        ['accord_entitlement_ord', 'entitlements'],
      ] as const) {
        await sql`create temporary table ${sql.raw(table)} on commit drop as
          select source, external_id, (row_number() over (order by source, external_id))::int - 1 as ord
          from ${sql.raw(from)} where removed_at is null`.execute(trx)
        await sql`analyze ${sql.raw(table)}`.execute(trx)
      }
      await scan<{
        principal: number
        is_group: boolean
        ent: number
        stream: string
        granted_ms: number | null
        first_ms: number
        baselined: boolean
        covered_by: number | null
        ev_ticket: string | null
        ev_expires_ms: number | null
      }>(
        trx,
        sql`select coalesce(pi.ord, pe.ord) as principal, (g.principal_type = 'group') as is_group, x.ord as ent,
        g.source || E'\t' || g.stream as stream,
        (extract(epoch from g.granted_at) * 1000)::float8 as granted_ms,
        (extract(epoch from g.first_seen) * 1000)::float8 as first_ms,
        (b.source is not null) as baselined,
        array_position(${sql.raw(`array[${COVERED_BY.map((c) => `'${c}'`).join(', ')}]`)}, e.covered_by) - 1
          as covered_by,
        e.ticket_source || E'\t' || e.ticket_id as ev_ticket,
        (extract(epoch from (e.detail ->> 'expiresAt')::timestamptz) * 1000)::float8 as ev_expires_ms
      from grants g
      join accord_entitlement_ord x on x.source = g.source and x.external_id = g.entitlement_id
      left join accord_identity_ord pi on g.principal_type = 'identity' and pi.source = g.source
        and pi.external_id = g.principal_id
      left join accord_entitlement_ord pe on g.principal_type = 'group' and pe.source = g.source
        and pe.external_id = g.principal_id
      left join baseline b on b.source = g.source and b.principal_type = g.principal_type
        and b.principal_id = g.principal_id and b.entitlement_id = g.entitlement_id
      left join evidence_matches e on e.source = g.source and e.principal_type = g.principal_type
        and e.principal_id = g.principal_id and e.entitlement_id = g.entitlement_id
      -- A grant to or from something removed (or never listed) fires nothing: it cannot be attributed.
      where g.removed_at is null and coalesce(pi.ord, pe.ord) is not null`,
        (r) => {
          const k = g.n
          if (k >= g.principal.length) throw new Error('more grants than counted in the same snapshot')
          g.principal[k] = r.principal
          g.isGroup[k] = r.is_group ? 1 : 0
          g.ent[k] = r.ent
          g.grantedAt[k] = ms(r.granted_ms)
          g.firstSeen[k] = Number(r.first_ms)
          g.stream[k] = streams.id(r.stream)
          g.baselined[k] = r.baselined ? 1 : 0
          g.evCoveredBy[k] = r.covered_by !== null && r.covered_by > 0 ? r.covered_by : 0
          g.evTicket[k] = r.ev_ticket === null ? -1 : evTickets.id(r.ev_ticket)
          g.evExpires[k] = ms(r.ev_expires_ms)
          g.n++
        },
      )

      const tickets = await (ticketsElsewhere ?? scanTickets(trx, windowStart, str, streams))

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

/** The look-back window's tickets with their approvals, in one cursor scan. */
async function scanTickets(
  trx: Kysely<Database>,
  windowStart: number,
  str: ReturnType<typeof stringPool>,
  streams: Interner,
): Promise<TicketRec[]> {
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
        source: str(r.source),
        externalId: r.external_id,
        key: r.key,
        url: r.url,
        kind: str(r.kind) as TicketKind,
        state: str(r.state) as TicketState,
        approval: str(r.approval) as Verdict,
        requester: str(r.requester),
        beneficiary: str(r.beneficiary),
        targets: (
          (typeof r.targets === 'string' ? JSON.parse(r.targets) : (r.targets ?? [])) as TicketTarget[]
        ).map((tg) => ({ system: str(tg.system ?? null), entitlement: str(tg.entitlement) })),
        approvals: (approvals as [string, string, number | null][]).map(([approver, decision, at]) => ({
          approver: str(approver),
          decision: str(decision) as TicketRec['approvals'][number]['decision'],
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
  return tickets
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
  const fetch = () => sql<R>`fetch forward ${sql.raw(String(PAGE))} from ${name}`.execute(trx)
  // The next page is asked for before this one is processed, so the database produces it meanwhile.
  let page = fetch()
  for (;;) {
    const { rows } = await page
    const last = rows.length < PAGE
    if (!last) page = fetch()
    try {
      for (const r of rows) each(r)
    } catch (e) {
      // The page in flight fails with the transaction this error rolls back: that is not news.
      page.catch(() => {})
      throw e
    }
    if (last) break
  }
  await sql`close ${name}`.execute(trx)
}

import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { GrantKey, GrantScope, ObservedGrant } from '../../connectors/types.ts'
import type { DirectGrant } from '../../model/grant.ts'
import { bulkUpsert } from '../bulk.ts'
import type { Db } from '../database.ts'
import { type SeenBy, SYNCED_COLUMNS, SYNCED_UPDATE, syncedValues } from './synced.ts'

const SPEC = {
  table: 'grants',
  columns: [
    { name: 'source', type: 'text' },
    { name: 'principal_type', type: 'text' },
    { name: 'principal_id', type: 'text' },
    { name: 'entitlement_id', type: 'text' },
    { name: 'granted_at', type: 'timestamptz' },
    ...SYNCED_COLUMNS,
  ],
  conflict: ['source', 'principal_type', 'principal_id', 'entitlement_id'],
  update: [...SYNCED_UPDATE],
  // The vendor's grant time can arrive later than the grant (a delta page without it): keep the one we know.
  updateSql: { granted_at: 'coalesce(excluded.granted_at, grants.granted_at)' },
} as const

export async function upsertGrants(db: Kysely<unknown>, rows: readonly ObservedGrant[], seen: SeenBy) {
  const tail = syncedValues(seen)
  await bulkUpsert(
    db,
    SPEC,
    rows.map((r) => [r.source, r.principalType, r.principalId, r.entitlementId, r.grantedAt, ...tail]),
  )
}

export async function markGrantsRemoved(
  db: Kysely<unknown>,
  source: string,
  keys: readonly GrantKey[],
  at: Date,
) {
  if (keys.length === 0) return 0
  const r = await sql`update grants g set removed_at = ${at.toISOString()}::timestamptz
    from unnest(${keys.map((k) => k.principalType)}::text[], ${keys.map((k) => k.principalId)}::text[],
                ${keys.map((k) => k.entitlementId)}::text[]) as k(pt, pid, eid)
    where g.source = ${source} and g.principal_type = k.pt and g.principal_id = k.pid and g.entitlement_id = k.eid
      and g.removed_at is null`.execute(db)
  return Number(r.numAffectedRows ?? 0)
}

/**
 * A scope (say, one group's members) was listed whole by this stream run: grants in it that the listing did
 * not see are gone.
 */
export async function removeUnseenInScope(
  db: Kysely<unknown>,
  source: string,
  stream: string,
  scope: GrantScope,
  generation: number,
  at: Date,
): Promise<number> {
  const r = await sql`update grants set removed_at = ${at.toISOString()}::timestamptz
    where source = ${source} and stream = ${stream} and generation < ${generation} and removed_at is null
      and (${scope.principalType ?? null}::text is null or principal_type = ${scope.principalType ?? null})
      and (${scope.principalId ?? null}::text is null or principal_id = ${scope.principalId ?? null})
      and (${scope.entitlementId ?? null}::text is null or entitlement_id = ${scope.entitlementId ?? null})`.execute(
    db,
  )
  return Number(r.numAffectedRows ?? 0)
}

export async function listGrants(
  db: Db,
  opts: { source?: string; includeRemoved?: boolean } = {},
): Promise<(DirectGrant & { stream: string })[]> {
  let q = db.selectFrom('grants').selectAll()
  if (opts.source) q = q.where('source', '=', opts.source)
  if (!opts.includeRemoved) q = q.where('removed_at', 'is', null)
  const rows = await q.orderBy('source').orderBy('principal_id').orderBy('entitlement_id').execute()
  return rows.map((r) => ({
    source: r.source,
    principalType: r.principal_type as DirectGrant['principalType'],
    principalId: r.principal_id,
    entitlementId: r.entitlement_id,
    grantedAt: r.granted_at,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    removedAt: r.removed_at,
    stream: r.stream,
  }))
}

import type { Kysely, Selectable } from 'kysely'
import { sql } from 'kysely'
import type { ObservedEntitlement } from '../../connectors/types.ts'
import type { Entitlement } from '../../model/entitlement.ts'
import { bulkUpsert } from '../bulk.ts'
import type { Db, EntitlementTable } from '../database.ts'
import { type SeenBy, SYNCED_COLUMNS, SYNCED_UPDATE, syncedValues } from './synced.ts'

const SPEC = {
  table: 'entitlements',
  columns: [
    { name: 'source', type: 'text' },
    { name: 'external_id', type: 'text' },
    { name: 'type', type: 'text' },
    { name: 'name', type: 'text' },
    { name: 'resource', type: 'text' },
    { name: 'privileged', type: 'boolean' },
    { name: 'owners', type: 'text[]' },
    ...SYNCED_COLUMNS,
  ],
  conflict: ['source', 'external_id'],
  update: ['type', 'name', 'resource', 'privileged', 'owners', ...SYNCED_UPDATE],
} as const

export async function upsertEntitlements(
  db: Kysely<unknown>,
  rows: readonly ObservedEntitlement[],
  seen: SeenBy,
) {
  const tail = syncedValues(seen)
  await bulkUpsert(
    db,
    SPEC,
    rows.map((r) => [r.source, r.externalId, r.type, r.name, r.resource, r.privileged, r.owners, ...tail]),
  )
}

export async function markEntitlementsRemoved(
  db: Kysely<unknown>,
  source: string,
  ids: readonly string[],
  at: Date,
) {
  if (ids.length === 0) return 0
  const r = await sql`update entitlements set removed_at = ${at.toISOString()}::timestamptz
    where source = ${source} and external_id = any(${ids}::text[]) and removed_at is null`.execute(db)
  return Number(r.numAffectedRows ?? 0)
}

function observedEntitlement(r: Selectable<EntitlementTable>): ObservedEntitlement {
  return {
    source: r.source,
    externalId: r.external_id,
    type: r.type as Entitlement['type'],
    name: r.name,
    resource: r.resource,
    privileged: r.privileged,
    owners: r.owners,
  }
}

export async function listEntitlements(
  db: Db,
  source?: string,
): Promise<(Entitlement & { removedAt: Date | null })[]> {
  let q = db.selectFrom('entitlements').selectAll()
  if (source) q = q.where('source', '=', source)
  const rows = await q.orderBy('source').orderBy('external_id').execute()
  return rows.map((r) => ({
    ...observedEntitlement(r),
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    removedAt: r.removed_at,
  }))
}

/** The stored entitlements of a source with these ids (one query), e.g. to complete a partial delta record. */
export async function entitlementsById(
  db: Db,
  source: string,
  ids: readonly string[],
): Promise<Map<string, ObservedEntitlement>> {
  if (!ids.length) return new Map()
  const rows = await db
    .selectFrom('entitlements')
    .selectAll()
    .where('source', '=', source)
    .where('external_id', 'in', [...ids])
    .execute()
  return new Map(rows.map((r) => [r.external_id, observedEntitlement(r)]))
}

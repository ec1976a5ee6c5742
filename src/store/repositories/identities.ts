import type { Kysely, Selectable } from 'kysely'
import { sql } from 'kysely'
import type { ObservedIdentity } from '../../connectors/types.ts'
import type { Identity } from '../../model/identity.ts'
import { bulkUpsert } from '../bulk.ts'
import type { Db, IdentityTable } from '../database.ts'
import { type SeenBy, SYNCED_COLUMNS, SYNCED_UPDATE, syncedValues } from './synced.ts'

const SPEC = {
  table: 'identities',
  columns: [
    { name: 'source', type: 'text' },
    { name: 'external_id', type: 'text' },
    { name: 'kind', type: 'text' },
    { name: 'login', type: 'text' },
    { name: 'email', type: 'text' },
    { name: 'upn', type: 'text' },
    { name: 'display_name', type: 'text' },
    { name: 'status', type: 'text' },
    { name: 'owners', type: 'text[]' },
    { name: 'created_at', type: 'timestamptz' },
    ...SYNCED_COLUMNS,
  ],
  conflict: ['source', 'external_id'],
  update: [
    'kind',
    'login',
    'email',
    'upn',
    'display_name',
    'status',
    'owners',
    'created_at',
    ...SYNCED_UPDATE,
  ],
} as const

export async function upsertIdentities(db: Kysely<unknown>, rows: readonly ObservedIdentity[], seen: SeenBy) {
  const tail = syncedValues(seen)
  await bulkUpsert(
    db,
    SPEC,
    rows.map((r) => [
      r.source,
      r.externalId,
      r.kind,
      r.login,
      r.email,
      r.upn,
      r.displayName,
      r.status,
      r.owners,
      r.createdAt,
      ...tail,
    ]),
  )
}

export async function markIdentitiesRemoved(
  db: Kysely<unknown>,
  source: string,
  ids: readonly string[],
  at: Date,
) {
  if (ids.length === 0) return 0
  const r = await sql`update identities set removed_at = ${at.toISOString()}::timestamptz, status = 'deleted'
    where source = ${source} and external_id = any(${ids}::text[]) and removed_at is null`.execute(db)
  return Number(r.numAffectedRows ?? 0)
}

function observedIdentity(r: Selectable<IdentityTable>): ObservedIdentity {
  return {
    source: r.source,
    externalId: r.external_id,
    kind: r.kind as Identity['kind'],
    login: r.login,
    email: r.email,
    upn: r.upn,
    displayName: r.display_name,
    status: r.status as Identity['status'],
    owners: r.owners,
    createdAt: r.created_at,
  }
}

export async function listIdentities(
  db: Db,
  source?: string,
): Promise<(Identity & { removedAt: Date | null })[]> {
  let q = db.selectFrom('identities').selectAll()
  if (source) q = q.where('source', '=', source)
  const rows = await q.orderBy('source').orderBy('external_id').execute()
  return rows.map((r) => ({
    ...observedIdentity(r),
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    removedAt: r.removed_at,
  }))
}

/** The stored identities of a source with these ids (one query), e.g. to complete a partial delta record. */
export async function identitiesById(
  db: Db,
  source: string,
  ids: readonly string[],
): Promise<Map<string, ObservedIdentity>> {
  if (!ids.length) return new Map()
  const rows = await db
    .selectFrom('identities')
    .selectAll()
    .where('source', '=', source)
    .where('external_id', 'in', [...ids])
    .execute()
  return new Map(rows.map((r) => [r.external_id, observedIdentity(r)]))
}

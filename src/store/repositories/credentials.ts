import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { ObservedCredential } from '../../connectors/types.ts'
import type { Credential } from '../../model/credential.ts'
import { bulkUpsert } from '../bulk.ts'
import type { Db } from '../database.ts'
import { type SeenBy, SYNCED_COLUMNS, SYNCED_UPDATE, syncedValues } from './synced.ts'

const SPEC = {
  table: 'credentials',
  columns: [
    { name: 'source', type: 'text' },
    { name: 'identity_id', type: 'text' },
    { name: 'key_id', type: 'text' },
    { name: 'type', type: 'text' },
    { name: 'display_name', type: 'text' },
    { name: 'created_at', type: 'timestamptz' },
    { name: 'expires_at', type: 'timestamptz' },
    { name: 'last_used_at', type: 'timestamptz' },
    ...SYNCED_COLUMNS,
  ],
  conflict: ['source', 'identity_id', 'key_id'],
  update: ['type', 'display_name', 'created_at', 'expires_at', 'last_used_at', ...SYNCED_UPDATE],
} as const

export async function upsertCredentials(
  db: Kysely<unknown>,
  rows: readonly ObservedCredential[],
  seen: SeenBy,
) {
  const tail = syncedValues(seen)
  await bulkUpsert(
    db,
    SPEC,
    rows.map((r) => [
      r.source,
      r.identityId,
      r.keyId,
      r.type,
      r.displayName,
      r.createdAt,
      r.expiresAt,
      r.lastUsedAt,
      ...tail,
    ]),
  )
}

export async function markCredentialsRemoved(
  db: Kysely<unknown>,
  source: string,
  keys: readonly { identityId: string; keyId: string }[],
  at: Date,
) {
  if (keys.length === 0) return 0
  const r = await sql`update credentials c set removed_at = ${at.toISOString()}::timestamptz
    from unnest(${keys.map((k) => k.identityId)}::text[], ${keys.map((k) => k.keyId)}::text[]) as k(iid, kid)
    where c.source = ${source} and c.identity_id = k.iid and c.key_id = k.kid and c.removed_at is null`.execute(
    db,
  )
  return Number(r.numAffectedRows ?? 0)
}

export async function listCredentials(
  db: Db,
  source?: string,
): Promise<(Credential & { removedAt: Date | null })[]> {
  let q = db.selectFrom('credentials').selectAll()
  if (source) q = q.where('source', '=', source)
  const rows = await q.orderBy('source').orderBy('identity_id').orderBy('key_id').execute()
  return rows.map((r) => ({
    source: r.source,
    identityId: r.identity_id,
    keyId: r.key_id,
    type: r.type as Credential['type'],
    displayName: r.display_name,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    removedAt: r.removed_at,
  }))
}

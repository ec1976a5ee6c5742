import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { BulkColumn } from '../bulk.ts'

/** Columns every synced table shares, at the end of each row. */
export const SYNCED_COLUMNS: readonly BulkColumn[] = [
  { name: 'stream', type: 'text' },
  { name: 'generation', type: 'bigint' },
  { name: 'first_seen', type: 'timestamptz' },
  { name: 'last_seen', type: 'timestamptz' },
  { name: 'removed_at', type: 'timestamptz' },
]

/** On conflict: keep first_seen, move last_seen and generation, and bring a removed row back. */
export const SYNCED_UPDATE = ['stream', 'generation', 'last_seen', 'removed_at'] as const

export interface SeenBy {
  stream: string
  generation: number
  at: Date
}

export function syncedValues(seen: SeenBy): unknown[] {
  return [seen.stream, seen.generation, seen.at, seen.at, null]
}

export type SyncedTable = 'identities' | 'entitlements' | 'grants' | 'credentials' | 'tickets'

/**
 * After a complete full listing: everything of this stream that the listing did not see is gone. Only a
 * complete listing may call this; a partial or failed run never removes anything.
 */
export async function removeUnseen(
  db: Kysely<unknown>,
  table: SyncedTable,
  source: string,
  stream: string,
  generation: number,
  at: Date,
): Promise<number> {
  const r = await sql`update ${sql.raw(table)} set removed_at = ${at.toISOString()}::timestamptz
    where source = ${source} and stream = ${stream} and generation < ${generation} and removed_at is null`.execute(
    db,
  )
  return Number(r.numAffectedRows ?? 0)
}

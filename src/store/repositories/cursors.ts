import type { Kysely } from 'kysely'
import type { Database, Db } from '../database.ts'

/** What a stream's checkpoint holds: the mode it was written in and the connector's own position. */
export interface StoredCursor {
  mode: 'full' | 'incremental'
  /** For a full listing in progress: the generation its rows carry, so a resumed run keeps it. */
  generation?: number
  position: unknown
}

export async function getCursor(db: Db, connectorId: string, stream: string): Promise<StoredCursor | null> {
  const row = await db
    .selectFrom('cursors')
    .select('cursor')
    .where('connector_id', '=', connectorId)
    .where('stream', '=', stream)
    .executeTakeFirst()
  return (row?.cursor as StoredCursor | undefined) ?? null
}

export async function saveCursor(
  db: Kysely<Database>,
  c: { connectorId: string; stream: string; cursor: StoredCursor; runId: string; at: Date },
) {
  await db
    .insertInto('cursors')
    .values({
      connector_id: c.connectorId,
      stream: c.stream,
      cursor: JSON.stringify(c.cursor),
      run_id: c.runId,
      updated_at: c.at,
    })
    .onConflict((oc) =>
      oc.columns(['connector_id', 'stream']).doUpdateSet({
        cursor: JSON.stringify(c.cursor),
        run_id: c.runId,
        updated_at: c.at,
      }),
    )
    .execute()
}

export async function clearCursors(db: Db, connectorId: string) {
  await db.deleteFrom('cursors').where('connector_id', '=', connectorId).execute()
}

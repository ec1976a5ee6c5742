import type { Kysely } from 'kysely'
import type { Database, Db } from '../database.ts'

/** The last finding event an exporter delivered; 0 when it has delivered none. */
export async function getExportCursor(db: Db, exporterId: string): Promise<number> {
  const row = await db
    .selectFrom('export_cursors')
    .select('last_event_id')
    .where('exporter_id', '=', exporterId)
    .executeTakeFirst()
  return row ? Number(row.last_event_id) : 0
}

/** Saved after the events up to `lastEventId` were accepted by the receiver: at-least-once, never ahead. */
export async function saveExportCursor(
  db: Kysely<Database>,
  exporterId: string,
  lastEventId: number,
  at: Date,
) {
  await db
    .insertInto('export_cursors')
    .values({ exporter_id: exporterId, last_event_id: lastEventId, updated_at: at })
    .onConflict((oc) => oc.column('exporter_id').doUpdateSet({ last_event_id: lastEventId, updated_at: at }))
    .execute()
}

export async function listExportCursors(
  db: Db,
): Promise<{ exporterId: string; lastEventId: number; updatedAt: Date }[]> {
  const rows = await db.selectFrom('export_cursors').selectAll().orderBy('exporter_id').execute()
  return rows.map((r) => ({
    exporterId: r.exporter_id,
    lastEventId: Number(r.last_event_id),
    updatedAt: r.updated_at,
  }))
}

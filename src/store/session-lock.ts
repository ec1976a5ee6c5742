import { sql } from 'kysely'
import { UserError } from '../core/errors.ts'
import type { Db } from './database.ts'

/** Arbitrary constants, one per kind of work that must not run twice at once on one Postgres store. */
export const SESSION_LOCKS = {
  delivery: 726_345_119,
  reconcile: 726_345_120,
} as const

/**
 * Runs `body` holding a session advisory lock on a pinned connection, or refuses at once (exit 1) when another
 * process holds it. A process that dies loses its connection and so its lock, which crash recovery needs (a
 * lease row would block the restarted process until it expired). The embedded store is one process by
 * construction and needs none: callers skip this there.
 */
export async function withSessionLock<T>(
  db: Db,
  lock: keyof typeof SESSION_LOCKS,
  busy: string,
  body: () => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    const id = SESSION_LOCKS[lock]
    // Keyed by the schema too: advisory locks are per database, and stores in other schemas of it (another
    // deployment, or tests side by side) are other stores.
    const got = await sql<{
      ok: boolean
    }>`select pg_try_advisory_lock(${id}::int, hashtext(current_schema())) as ok`.execute(conn)
    if (!got.rows[0]?.ok) throw new UserError(busy, 1)
    try {
      return await body()
    } finally {
      await sql`select pg_advisory_unlock(${id}::int, hashtext(current_schema()))`.execute(conn)
    }
  })
}

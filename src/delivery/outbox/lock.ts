import { sql } from 'kysely'
import { UserError } from '../../core/errors.ts'
import type { Db } from '../../store/database.ts'

/** An arbitrary constant: the session lock that keeps two deliveries from working one outbox at once. */
const DELIVERY_LOCK_ID = 726_345_119

/**
 * One delivery at a time on a shared Postgres store. A session advisory lock on a pinned connection: a process
 * that dies loses its connection and so its lock at once, which is what the crash recovery needs (the embedded
 * store is one process by construction and needs none).
 */
export async function withDeliveryLock<T>(db: Db, body: () => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    const got = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${DELIVERY_LOCK_ID}) as ok`.execute(
      conn,
    )
    if (!got.rows[0]?.ok)
      throw new UserError('another accord process is delivering from this store; try again later', 1)
    try {
      return await body()
    } finally {
      await sql`select pg_advisory_unlock(${DELIVERY_LOCK_ID})`.execute(conn)
    }
  })
}

import { sql } from 'kysely'
import type { Db } from '../database.ts'

export interface Lease {
  name: string
  holder: string
  expiresAt: Date
}

/**
 * Takes the lease, or renews it when we hold it, in one conditional upsert: it succeeds only if the row is
 * absent, ours, or expired. A dead host stops renewing, so its lease expires and another replica takes it:
 * unlike a session advisory lock, which a half-dead host's connection can hold for hours.
 */
export async function acquireLease(
  db: Db,
  name: string,
  holder: string,
  ttlMs: number,
  at: Date,
): Promise<boolean> {
  const expires = new Date(at.getTime() + ttlMs)
  const r = await sql<{ holder: string }>`
    insert into leases (name, holder, acquired_at, heartbeat_at, expires_at)
    values (${name}, ${holder}, ${at.toISOString()}::timestamptz, ${at.toISOString()}::timestamptz, ${expires.toISOString()}::timestamptz)
    on conflict (name) do update set
      holder = excluded.holder,
      acquired_at = case when leases.holder = excluded.holder then leases.acquired_at else excluded.acquired_at end,
      heartbeat_at = excluded.heartbeat_at,
      expires_at = excluded.expires_at
    where leases.holder = excluded.holder or leases.expires_at < excluded.heartbeat_at
    returning holder`.execute(db)
  return r.rows.length === 1 && r.rows[0]!.holder === holder
}

/** Gives the lease up at once (graceful shutdown), so a standby need not wait for it to expire. */
export async function releaseLease(db: Db, name: string, holder: string): Promise<void> {
  await db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute()
}

export async function currentLease(db: Db, name: string): Promise<Lease | null> {
  const row = await db.selectFrom('leases').selectAll().where('name', '=', name).executeTakeFirst()
  return row ? { name: row.name, holder: row.holder, expiresAt: row.expires_at } : null
}

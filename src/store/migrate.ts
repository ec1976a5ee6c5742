import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import { type MigrationResult, Migrator } from 'kysely/migration'
import type { Database } from './database.ts'
import { migrationProvider } from './migrations/index.ts'
import type { Store } from './open.ts'

export interface MigrateReport {
  applied: string[]
  pending: string[]
  error?: Error
}

/** An arbitrary constant: the session lock that serialises accord migrations across processes. */
const MIGRATION_LOCK_ID = 726_345_118

function migrator(db: Kysely<Database>, schema: string | undefined): Migrator {
  // Kysely looks for its bookkeeping tables in every schema unless told which: name ours.
  return new Migrator({ db, provider: migrationProvider, migrationTableSchema: schema })
}

/**
 * Applies pending migrations. On Postgres a session advisory lock serialises concurrent migrators (several
 * replicas starting at once), including the creation of Kysely's own bookkeeping tables, which its
 * transaction-level lock does not cover.
 */
export async function migrateToLatest(store: Store): Promise<MigrateReport> {
  const run = async (db: Kysely<Database>): Promise<MigrateReport> => {
    const { error, results } = await migrator(db, store.schema).migrateToLatest()
    const applied = (results ?? [])
      .filter((r: MigrationResult) => r.status === 'Success')
      .map((r) => r.migrationName)
    const failed = (results ?? []).filter((r) => r.status !== 'Success').map((r) => r.migrationName)
    return error ? { applied, pending: failed, error: error as Error } : { applied, pending: [] }
  }
  if (store.kind === 'pglite') return run(store.db)
  return store.db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`.execute(conn)
    try {
      // Under the lock: concurrent `create schema if not exists` races on the catalog's unique index.
      if (store.schema) await sql`create schema if not exists ${sql.id(store.schema)}`.execute(conn)
      return await run(conn)
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`.execute(conn)
    }
  })
}

export async function migrationStatus(store: Store): Promise<{ name: string; executedAt: Date | null }[]> {
  const list = await migrator(store.db, store.schema).getMigrations()
  return list.map((m) => ({ name: m.name, executedAt: m.executedAt ?? null }))
}

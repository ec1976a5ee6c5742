import { resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { Database, Db } from './database.ts'
import { acquireDirLock } from './lock.ts'

export interface StoreOptions {
  /** `postgres://…`; without it, the embedded PGlite store. */
  url?: string
  /** Directory of the embedded store (default ./.accord). */
  path?: string
  /** Postgres schema (tests use one per file). */
  schema?: string
  /** Pool size on Postgres. */
  maxConnections?: number
  /** An in-memory embedded store (tests), optionally started from a dump of another one. */
  memory?: { loadDataDir?: Blob }
}

export interface Store {
  db: Db
  kind: 'pglite' | 'postgres'
  /** Where it is, without credentials: for messages. */
  location: string
  schema: string | undefined
  /** The embedded database itself (dumps, tests). */
  pglite?: PGlite
  close(): Promise<void>
}

// int8 (bigserial ids, counters) as strings would leak into every caller; they fit in a double here.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v))

/** The pool size of each Postgres store (PGlite has one connection). */
const poolSizes = new WeakMap<Db, number>()

/**
 * How many transactions can run on this store at once (1: the second waits for the first). Work that holds
 * connections while it waits for another must not ask for more than this, or it waits for itself.
 */
export function connectionsOf(db: Db): number {
  return poolSizes.get(db) ?? 1
}

export async function openStore(opts: StoreOptions = {}): Promise<Store> {
  if (opts.url) {
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.maxConnections ?? 10,
      options: opts.schema ? `-c search_path=${opts.schema}` : undefined,
    })
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
    poolSizes.set(db, opts.maxConnections ?? 10)
    const u = new URL(opts.url)
    return {
      db,
      kind: 'postgres',
      location: `postgres://${u.host}${u.pathname}${opts.schema ? ` (schema ${opts.schema})` : ''}`,
      schema: opts.schema,
      close: () => db.destroy(),
    }
  }
  if (opts.memory) {
    const pglite = await PGlite.create({ loadDataDir: opts.memory.loadDataDir })
    const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) })
    return { db, kind: 'pglite', location: '(memory)', schema: undefined, close: () => db.destroy(), pglite }
  }
  const dir = resolve(opts.path ?? '.accord')
  const release = acquireDirLock(dir)
  try {
    const pglite = await PGlite.create(resolve(dir, 'pgdata'))
    const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) })
    return {
      db,
      kind: 'pglite',
      location: dir,
      schema: undefined,
      pglite,
      close: async () => {
        await db.destroy()
        release()
      },
    }
  } catch (e) {
    release()
    throw e
  }
}

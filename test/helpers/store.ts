import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, afterEach, describe } from 'vitest'
import { migrateToLatest } from '../../src/store/migrate.ts'
import { openStore, type Store } from '../../src/store/open.ts'

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL

export interface StoreFactory {
  kind: 'pglite' | 'postgres'
  /** A fresh, migrated store. Each call on Postgres gets its own schema. */
  open(): Promise<Store>
}

let migratedDump: Promise<Blob> | undefined

/**
 * A new, empty, migrated embedded store in memory. Creating a PGlite database costs seconds (initdb in WASM);
 * loading a dump of a freshly migrated one costs a fraction of that, so each test process makes one.
 */
export async function openMemoryPglite(): Promise<Store> {
  migratedDump ??= (async () => {
    const s = await openStore({ memory: {} })
    const report = await migrateToLatest(s)
    if (report.error) throw report.error
    const dump = await s.pglite!.dumpDataDir('none')
    await s.close()
    return dump
  })()
  return openStore({ memory: { loadDataDir: await migratedDump } })
}

/** A new empty embedded store in a temporary directory (file-backed, locked), removed on close. */
export async function openTempPglite(): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'accord-test-'))
  const store = await openStore({ path: dir })
  const report = await migrateToLatest(store)
  if (report.error) throw report.error
  const close = store.close
  return {
    ...store,
    close: async () => {
      await close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

let schemaCounter = 0

/**
 * A fresh Postgres schema per store (named after the test file), migrated. Schemas of passing files are
 * dropped after the file; a failing file's schemas are kept for inspection.
 */
function postgresFactory(file: string): StoreFactory {
  const opened: Store[] = []
  let failed = false
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true
  })
  afterAll(async () => {
    for (const s of opened) {
      if (!failed && s.schema)
        await sql`drop schema if exists ${sql.id(s.schema)} cascade`.execute(s.db).catch(() => {})
      await s.close().catch(() => {})
    }
  })
  return {
    kind: 'postgres',
    open: async () => {
      const hash = createHash('sha1').update(file).digest('hex').slice(0, 10)
      const schema = `t_${hash}_${process.pid}_${++schemaCounter}`
      const store = await openStore({ url: TEST_DATABASE_URL!, schema, maxConnections: 4 })
      const report = await migrateToLatest(store)
      if (report.error) throw report.error
      opened.push(store)
      return store
    },
  }
}

/** Stores to run a suite against: PGlite always, Postgres when TEST_DATABASE_URL is set. */
export function storeFactories(file: string): StoreFactory[] {
  const out: StoreFactory[] = [{ kind: 'pglite', open: openMemoryPglite }]
  if (TEST_DATABASE_URL) out.push(postgresFactory(file))
  return out
}

/** `describe` once per store kind; test names carry the kind so the CI count of Postgres tests can find them. */
export function describeEachStore(file: string, name: string, body: (factory: StoreFactory) => void): void {
  const factories = storeFactories(file)
  for (const f of factories) {
    describe(`${name} [${f.kind}]`, () => body(f))
  }
}

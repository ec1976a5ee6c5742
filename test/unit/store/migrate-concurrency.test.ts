import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { migrateToLatest } from '../../../src/store/migrate.ts'
import { migrationProvider } from '../../../src/store/migrations/index.ts'
import { openStore } from '../../../src/store/open.ts'
import { TEST_DATABASE_URL } from '../../helpers/store.ts'

describe.skipIf(!TEST_DATABASE_URL)('migrations on Postgres [postgres]', () => {
  it('two migrators starting at once both succeed and apply each migration once', async () => {
    const schema = `t_concurrent_${process.pid}_${Date.now()}`
    const a = await openStore({ url: TEST_DATABASE_URL!, schema, maxConnections: 2 })
    const b = await openStore({ url: TEST_DATABASE_URL!, schema, maxConnections: 2 })
    try {
      const [ra, rb] = await Promise.all([migrateToLatest(a), migrateToLatest(b)])
      expect(ra.error).toBeUndefined()
      expect(rb.error).toBeUndefined()
      const all = Object.keys(await migrationProvider.getMigrations()).sort()
      expect([...ra.applied, ...rb.applied].sort()).toEqual(all)
      const tables = await sql<{
        n: number
      }>`select count(*)::int as n from information_schema.tables where table_schema = ${schema}`.execute(
        a.db,
      )
      expect(tables.rows[0]!.n).toBeGreaterThan(15)
      await sql`drop schema ${sql.id(schema)} cascade`.execute(a.db)
    } finally {
      await a.close()
      await b.close()
    }
  })
})

import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { Policy } from '../../../src/config/policy.ts'
import { Config } from '../../../src/config/schema.ts'
import { silentLogger } from '../../../src/core/logger.ts'
import { withDeliveryLock } from '../../../src/delivery/outbox/lock.ts'
import { reconcile } from '../../../src/reconciler/reconcile.ts'
import { migrateToLatest } from '../../../src/store/migrate.ts'
import { openStore, type Store } from '../../../src/store/open.ts'
import { withSessionLock } from '../../../src/store/session-lock.ts'
import { TEST_DATABASE_URL } from '../../helpers/store.ts'

const schemas = [`t_exclusive_a_${process.pid}`, `t_exclusive_b_${process.pid}`]
const stores: Store[] = []

afterAll(async () => {
  for (const s of stores) {
    await sql`drop schema if exists ${sql.id(s.schema!)} cascade`.execute(s.db)
    await s.close()
  }
})

const opts = { config: Config.parse({}), policy: Policy.parse({}), logger: silentLogger() }

describe.skipIf(!TEST_DATABASE_URL)('one reconcile and one delivery at a time per store [postgres]', () => {
  it('refuses a second reconcile while one runs, lets other schemas run, and goes ahead once it ends', async () => {
    for (const schema of schemas) {
      const s = await openStore({ url: TEST_DATABASE_URL!, schema })
      stores.push(s)
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(s.db)
      expect((await migrateToLatest(s)).error).toBeUndefined()
    }
    const [a, b] = stores as [Store, Store]
    // Another process's reconcile, held open until we let it finish.
    let finish!: () => void
    let started!: () => void
    const running = new Promise<void>((r) => {
      started = r
    })
    const other = withSessionLock(a.db, 'reconcile', 'busy', async () => {
      started()
      await new Promise<void>((r) => {
        finish = r
      })
    })
    await running
    await expect(reconcile(a.db, opts)).rejects.toThrow(
      'another accord process is reconciling this store; try again when it finishes',
    )
    // The same database, another schema: another store, not blocked.
    expect((await reconcile(b.db, opts)).changes.opened).toBe(0)
    // Delivery has a lock of its own.
    expect(await withDeliveryLock(a.db, async () => 'delivered')).toBe('delivered')
    finish()
    await other
    const summary = await reconcile(a.db, opts)
    expect(summary.runId).toMatch(/^[0-9a-f-]{36}$/)
    // The refused run left nothing behind: only the one that ran is recorded.
    const runs = await sql<{ n: number }>`select count(*)::int as n from reconcile_runs`.execute(a.db)
    expect(runs.rows[0]!.n).toBe(1)
  }, 60_000)
})

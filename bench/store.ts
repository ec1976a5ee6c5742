/**
 * Store benchmark: upsert 1,000,000 direct grants (with 100,000 identities and 10,000 entitlements) into the
 * embedded PGlite store and into Postgres, in batches as a sync run writes them (one transaction per batch).
 * Prints rows/s and peak RSS per store and records them in bench/results/store.md.
 *
 *   npm run bench:store                       both stores (Postgres from $BENCH_DATABASE_URL or 127.0.0.1/test)
 *   npm run bench:store -- --grants 200000    a smaller run
 *
 * Each store runs in its own child process so one's memory does not count against the other.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { ObservedGrant } from '../src/connectors/types.ts'
import { migrateToLatest } from '../src/store/migrate.ts'
import { openStore } from '../src/store/open.ts'
import { upsertEntitlements } from '../src/store/repositories/entitlements.ts'
import { upsertGrants } from '../src/store/repositories/grants.ts'
import { upsertIdentities } from '../src/store/repositories/identities.ts'

const { values } = parseArgs({
  options: {
    store: { type: 'string' },
    grants: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '10000' },
  },
})
const GRANTS = Number(values.grants)
const IDENTITIES = Math.max(1, Math.round(GRANTS / 10))
const ENTITLEMENTS = Math.max(1, Math.round(GRANTS / 100))
const BATCH = Number(values.batch)
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

interface Result {
  store: string
  grants: number
  seconds: number
  grantsPerSecond: number
  totalRowsPerSecond: number
  peakRssMb: number
  rssAt25: number
  rssAt100: number
}

async function runOne(kind: 'pglite' | 'postgres'): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'accord-bench-store-'))
  const schema = `bench_store_${process.pid}`
  const store =
    kind === 'pglite'
      ? await openStore({ path: dir })
      : await openStore({ url: PG_URL, schema, maxConnections: 2 })
  const report = await migrateToLatest(store)
  if (report.error) throw report.error
  let peak = 0
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }
  const timer = setInterval(sample, 50)
  const seen = { stream: 'bench', generation: 1, at: new Date('2026-11-29T12:00:00Z') }
  const source = 'entra'
  const started = performance.now()
  const inBatches = async (
    count: number,
    make: (i: number) => unknown,
    write: (db: Kysely<unknown>, rows: never[]) => Promise<void>,
  ) => {
    for (let start = 0; start < count; start += BATCH) {
      const rows: unknown[] = []
      for (let i = start; i < Math.min(count, start + BATCH); i++) rows.push(make(i))
      await store.db.transaction().execute((trx) => write(trx as unknown as Kysely<unknown>, rows as never[]))
    }
  }
  await inBatches(
    IDENTITIES,
    (i) => ({
      source,
      externalId: `u-${i}`,
      kind: 'human',
      login: null,
      email: `user${i}@contoso.com`,
      upn: `user${i}@contoso.com`,
      displayName: `User ${i}`,
      status: 'active',
      owners: [],
      createdAt: null,
    }),
    (db, rows) => upsertIdentities(db, rows, seen),
  )
  await inBatches(
    ENTITLEMENTS,
    (i) => ({
      source,
      externalId: `g-${i}`,
      type: 'group',
      name: `Group ${i}`,
      resource: null,
      privileged: false,
      owners: [],
    }),
    (db, rows) => upsertEntitlements(db, rows, seen),
  )
  const grantsStarted = performance.now()
  let rssAt25 = 0
  for (let start = 0; start < GRANTS; start += BATCH) {
    const rows: ObservedGrant[] = []
    for (let i = start; i < Math.min(GRANTS, start + BATCH); i++) {
      rows.push({
        source,
        principalType: 'identity' as const,
        principalId: `u-${i % IDENTITIES}`,
        // Each identity gets ten distinct entitlements spread over the catalogue.
        entitlementId: `g-${(Math.floor(i / IDENTITIES) * 997 + (i % IDENTITIES)) % ENTITLEMENTS}`,
        grantedAt: i % 3 === 0 ? new Date(1_700_000_000_000 + i * 1000) : null,
      })
    }
    await store.db.transaction().execute((trx) => upsertGrants(trx as unknown as Kysely<unknown>, rows, seen))
    if (start + BATCH >= GRANTS / 4 && rssAt25 === 0) {
      sample()
      rssAt25 = process.memoryUsage().rss
    }
  }
  const grantsSeconds = (performance.now() - grantsStarted) / 1000
  const totalSeconds = (performance.now() - started) / 1000
  sample()
  const rssAt100 = process.memoryUsage().rss
  clearInterval(timer)
  const count = await sql<{ n: number }>`select count(*)::int as n from grants`.execute(store.db)
  if (count.rows[0]!.n < GRANTS * 0.99)
    throw new Error(`expected about ${GRANTS} grants, found ${count.rows[0]!.n}`)
  if (kind === 'postgres') await sql`drop schema ${sql.id(schema)} cascade`.execute(store.db)
  await store.close()
  rmSync(dir, { recursive: true, force: true })
  const mb = (b: number) => Math.round(b / 1024 / 1024)
  return {
    store: kind,
    grants: count.rows[0]!.n,
    seconds: Number(grantsSeconds.toFixed(2)),
    grantsPerSecond: Math.round(count.rows[0]!.n / grantsSeconds),
    totalRowsPerSecond: Math.round((count.rows[0]!.n + IDENTITIES + ENTITLEMENTS) / totalSeconds),
    peakRssMb: mb(peak),
    rssAt25: mb(rssAt25),
    rssAt100: mb(rssAt100),
  }
}

if (values.store === 'pglite' || values.store === 'postgres') {
  const r = await runOne(values.store)
  process.stdout.write(`${JSON.stringify(r)}\n`)
  process.exit(0)
}

const results: Result[] = []
for (const kind of ['pglite', 'postgres'] as const) {
  const child = spawnSync(
    process.execPath,
    [process.argv[1]!, '--store', kind, '--grants', String(GRANTS), '--batch', String(BATCH)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  if (child.status !== 0) throw new Error(`${kind} run failed`)
  const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Result
  results.push(r)
  console.log(
    `${kind.padEnd(8)} ${r.grants.toLocaleString()} grant upserts in ${r.seconds}s: ${r.grantsPerSecond.toLocaleString()} grants/s ` +
      `(all rows ${r.totalRowsPerSecond.toLocaleString()}/s), peak RSS ${r.peakRssMb} MB (at 25%: ${r.rssAt25} MB, at 100%: ${r.rssAt100} MB)`,
  )
}
const lines = [
  '# Store benchmark',
  '',
  `\`npm run bench:store\` on ${new Date().toISOString().slice(0, 10)}, ${GRANTS.toLocaleString()} direct grants with ` +
    `${IDENTITIES.toLocaleString()} identities and ${ENTITLEMENTS.toLocaleString()} entitlements, batches of ${BATCH.toLocaleString()} ` +
    'rows per transaction (as a sync run writes them), unnest multi-row upserts. Node ' +
    process.version +
    ', 2 cores.',
  '',
  '| store | grants | seconds | grants/s | all rows/s | peak RSS | RSS at 25% | RSS at 100% |',
  '|---|---|---|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.store} | ${r.grants.toLocaleString()} | ${r.seconds} | ${r.grantsPerSecond.toLocaleString()} | ${r.totalRowsPerSecond.toLocaleString()} | ${r.peakRssMb} MB | ${r.rssAt25} MB | ${r.rssAt100} MB |`,
  ),
  '',
]
writeFileSync(new URL('./results/store.md', import.meta.url), lines.join('\n'))

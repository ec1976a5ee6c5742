import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { writeSandboxFiles } from '../../../src/sandbox/files.ts'
import { type Sandbox, startSandbox } from '../../../src/sandbox/sandbox.ts'
import { generateScenario } from '../../../src/sandbox/scenario/index.ts'
import { openStore, type Store } from '../../../src/store/open.ts'
import { runCli } from '../../helpers/cli.ts'
import { type DaemonProcess, getJson, spawnDaemon, waitFor } from '../../helpers/daemon.ts'
import { TEST_DATABASE_URL } from '../../helpers/store.ts'

const dir = mkdtempSync(join(tmpdir(), 'accord-daemon-stop-'))
const schema = `t_daemon_stop_${process.pid}`
const attemptSchemas: string[] = []
let sandbox: Sandbox | undefined
let store: Store | undefined
const daemons: DaemonProcess[] = []

afterAll(async () => {
  for (const d of daemons) d.child.kill('SIGKILL')
  await sandbox?.close()
  await store?.close().catch(() => {})
  if (TEST_DATABASE_URL) {
    const admin = await openStore({ url: TEST_DATABASE_URL })
    for (const s of attemptSchemas) await sql`drop schema if exists ${sql.id(s)} cascade`.execute(admin.db)
    await admin.close()
  }
  rmSync(dir, { recursive: true, force: true })
})

/** Prometheus text exposition: every line a comment or `name{labels} value`. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue
    const m =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$/.exec(
        line,
      )
    if (!m) throw new Error(`not Prometheus text: ${JSON.stringify(line)}`)
    samples.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]))
  }
  return samples
}

describe.skipIf(!TEST_DATABASE_URL)('daemon runs, health and shutdown [postgres]', () => {
  // The signal comes about a second into the first sync: an abort that early once hung the Okta groups
  // stream (requests queued behind the concurrency limit never woke), so this guards that too.
  it('syncs on start, serves metrics, and a SIGTERM mid-sync leaves a resumable checkpoint and nothing half-written', {
    timeout: 170_000,
  }, async () => {
    const scenario = generateScenario({ seed: 3, size: 'small' })
    // Slow every answer down so the first sync is still running when the signal comes.
    await sandbox?.close()
    sandbox = await startSandbox(scenario.tenant, { faults: 'latency=250ms@1', faultSeed: 3 })
    writeSandboxFiles(dir, sandbox, scenario)
    const file = join(dir, 'accord.yaml')
    const config = parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    // A fresh schema per attempt: a retried attempt must not see the last one's runs.
    const attemptSchema = `${schema}_${attemptSchemas.length}`
    attemptSchemas.push(attemptSchema)
    config.store = { url: TEST_DATABASE_URL, schema: attemptSchema }
    config.daemon = { shutdownTimeoutMs: 15_000, leaseTtlMs: 5000 }
    config.raise = undefined
    writeFileSync(file, stringify(config))
    const env = { ACCORD_NOW: scenario.now }

    const d = await spawnDaemon(['--config', file], env)
    daemons.push(d)
    await store?.close()
    store = await openStore({ url: TEST_DATABASE_URL!, schema: attemptSchema })
    const db = store.db
    // Wait until the Okta sync has committed a page (its checkpoint) but not finished.
    await waitFor('a committed page mid-sync', async () => {
      const c = await db.selectFrom('cursors').selectAll().where('connector_id', '=', 'okta').execute()
      const done = await db
        .selectFrom('sync_runs')
        .select('status')
        .where('connector_id', '=', 'okta')
        .where('status', '!=', 'running')
        .execute()
      return c.length > 0 && done.length === 0
    })
    const metrics = parsePrometheus(await (await fetch(`${d.url}/metrics`)).text())
    expect(metrics.get('accord_leader')).toBe(1)
    expect((await getJson(`${d.url}/healthz`.replace('/healthz', '/readyz'))).body.role).toBe('leader')

    const signalled = Date.now()
    d.child.kill('SIGTERM')
    const code = await d.exited
    expect(code, d.stderr().slice(-3000)).toBe(0)
    expect(Date.now() - signalled).toBeLessThan(15_000)
    // Nothing is left running, and nothing was removed by the interrupted runs.
    const running = await db
      .selectFrom('stream_runs')
      .select(['stream', 'status'])
      .where('status', '=', 'running')
      .execute()
    expect(running).toEqual([])
    const removed = await sql<{
      n: number
    }>`select count(*)::int as n from grants where removed_at is not null`.execute(db)
    expect(removed.rows[0]!.n).toBe(0)

    // The next sync resumes the interrupted listing and converges to the tenant.
    const again = await runCli(['sync', '--connector', 'okta', '--json', '--config', file], {
      env,
      timeoutMs: 120_000,
    })
    expect(again.code).toBe(0)
    const okta = scenario.intended.okta.grants
    const stored = await sql<{
      n: number
    }>`select count(*)::int as n from grants where source = 'okta' and removed_at is null`.execute(db)
    expect(stored.rows[0]!.n).toBe(okta.length)
  })

  it('/readyz turns unready when a connector misses its schedule', async () => {
    const file = join(dir, 'late.yaml')
    const lateSchema = `${schema}_late`
    writeFileSync(
      file,
      `store: { url: "${TEST_DATABASE_URL}", schema: ${lateSchema} }
connectors:
  - { id: okta, kind: okta, orgUrl: "http://127.0.0.1:9", auth: { type: ssws, token: "x-test-token" }, schedule: "* * * * *" }
`,
    )
    const migrate = await runCli(['migrate', '--config', file])
    expect(migrate.stderr).toBe('')
    expect(migrate.code).toBe(0)
    const s = await openStore({ url: TEST_DATABASE_URL!, schema: lateSchema })
    // Its last success was an hour ago; it syncs every minute.
    const hourAgo = new Date(Date.now() - 3_600_000)
    await s.db
      .insertInto('sync_runs')
      .values({
        id: 'old',
        connector_id: 'okta',
        kind: 'okta',
        requested_mode: 'auto',
        status: 'succeeded',
        started_at: hourAgo,
        finished_at: hourAgo,
        error: null,
      })
      .execute()
    const d = await spawnDaemon(['--config', file, '--no-sync-at-start'])
    daemons.push(d)
    const r = await getJson(`${d.url}/readyz`)
    expect(r.status).toBe(503)
    expect(r.body.connectors).toEqual([
      expect.objectContaining({ id: 'okta', late: true, intervalSeconds: 60 }),
    ])
    d.child.kill('SIGTERM')
    await d.exited
    await sql`drop schema if exists ${sql.id(lateSchema)} cascade`.execute(s.db)
    await s.close()
  }, 120_000)
})

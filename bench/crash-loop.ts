/**
 * Crash and restart (issue 11): `accord run`, `accord sync`, `accord reconcile` and `accord deliver` run as child
 * processes against a sandbox served by this process, and are SIGKILLed at seeded random points, at least
 * --kills times. Between runs the tenant drifts and recovers (memberships behind raised findings are removed and
 * re-added), so findings resolve and reopen and delivery has work in most rounds. At the end the tenant is put
 * back, one uninterrupted `accord run` finishes the work, and:
 *   - the store holds what a clean run stores (every live record) and the same open findings;
 *   - no ticket was raised twice (ServiceNow incidents by correlation id, Jira issues by the finding property);
 *   - no finding lacks its ticket, and no finding event is missing from the OCSF file (at least once).
 * Its last line: `kills survived: N, duplicates: D, lost: L`.
 *
 *   npm run crash-loop -- [--kills 50] [--seed 1] [--postgres postgres://postgres@127.0.0.1:5432/test]
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { loadConfig, loadPolicyFor } from '../src/config/load.ts'
import { FINDING_PROPERTY } from '../src/connectors/jira/sink.ts'
import { silentLogger } from '../src/core/logger.ts'
import { emissionUid } from '../src/delivery/export/ocsf.ts'
import type { FindingJson } from '../src/model/findings-json.ts'
import { type Severity, severityRank } from '../src/model/severity.ts'
import { reconcile } from '../src/reconciler/reconcile.ts'
import { seededRandom } from '../src/sandbox/core/rng.ts'
import { writeSandboxFiles } from '../src/sandbox/files.ts'
import { startSandbox } from '../src/sandbox/sandbox.ts'
import { generateScenario } from '../src/sandbox/scenario/index.ts'
import { migrateToLatest } from '../src/store/migrate.ts'
import { openStore, type Store } from '../src/store/open.ts'
import { runConnectorSync } from '../src/sync/run-connector.ts'
import { dumpSnapshot, openFindingIds } from '../test/reliability/harness.ts'

const { values: args } = parseArgs({
  options: {
    kills: { type: 'string', default: '50' },
    seed: { type: 'string', default: '1' },
    postgres: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
})
const TARGET = Number(args.kills)
const SEED = Number(args.seed)
const BIN = new URL('../bin/accord.js', import.meta.url).pathname
const random = seededRandom(SEED * 7919 + 11)
const log = (s: string) => process.stdout.write(`${s}\n`)

const scenario = generateScenario({ seed: SEED, size: 'small' })
process.env.ACCORD_NOW = scenario.now
const sandbox = await startSandbox(scenario.tenant, { faults: '', faultSeed: SEED })
const dir = mkdtempSync(join(tmpdir(), 'accord-crash-'))
writeSandboxFiles(dir, sandbox, scenario)
const configFile = join(dir, 'accord.yaml')

let dbUrl: string | null = null
if (args.postgres) {
  // A database of its own, fresh each time, so a previous loop's rows cannot pass for this one's.
  const admin = new pg.Client({ connectionString: args.postgres })
  await admin.connect()
  await admin.query('drop database if exists accord_crash_loop with (force)')
  await admin.query('create database accord_crash_loop')
  await admin.end()
  const u = new URL(args.postgres)
  u.pathname = '/accord_crash_loop'
  dbUrl = u.toString()
  const yaml = readFileSync(configFile, 'utf8').replace(/^store:\n {2}path: .*$/m, `store:\n  url: ${dbUrl}`)
  writeFileSync(configFile, yaml)
}

// ------------------------------------------------------------------------------------------- tenant churn

interface Toggle {
  label: string
  remove(): boolean
  add(): boolean
  removed: boolean
}

/** Memberships behind planted ACC-001 findings: removing one resolves a raised finding, re-adding reopens it. */
function churnTargets(): Toggle[] {
  const out: Toggle[] = []
  const g = scenario.tenant.graph
  const o = scenario.tenant.okta
  for (const f of scenario.manifest as FindingJson[]) {
    if (f.rule !== 'ACC-001' || f.entitlement?.type !== 'group' || !f.identity) continue
    const key = f.identity.key
    if (f.entitlement.source === 'entra') {
      const user = g.users.find((u) => (u.mail ?? u.userPrincipalName).toLowerCase() === key)
      if (!user) continue
      const a = { groupId: f.entitlement.externalId!, memberId: user.id }
      out.push({
        label: `entra ${key} in ${f.entitlement.name}`,
        remove: () => sandbox.control.graph.removeGroupMember!(a) as boolean,
        add: () => sandbox.control.graph.addGroupMember!(a) as boolean,
        removed: false,
      })
    } else if (f.entitlement.source === 'okta') {
      const user = o.users.find((u) => u.profile.email?.toLowerCase() === key)
      if (!user) continue
      const a = { groupId: f.entitlement.externalId!, userId: user.id }
      out.push({
        label: `okta ${key} in ${f.entitlement.name}`,
        remove: () => sandbox.control.okta.removeGroupMember!(a) as boolean,
        add: () => sandbox.control.okta.addGroupMember!(a) as boolean,
        removed: false,
      })
    }
  }
  return out
}
const toggles = churnTargets()
if (toggles.length === 0) throw new Error('the scenario plants no ACC-001 group findings to churn')

function churn(): string {
  const t = toggles[Math.floor(random() * toggles.length)]!
  const ok = t.removed ? t.add() : t.remove()
  if (!ok) throw new Error(`churn: ${t.label} did not change`)
  t.removed = !t.removed
  return `${t.removed ? 'removed' : 're-added'} ${t.label}`
}

// ------------------------------------------------------------------------------------------- the loop

const COMMANDS = [['run'], ['sync'], ['reconcile'], ['deliver'], ['run', '--full'], ['sync', '--full']]
/**
 * How long each command runs uninterrupted (ms), a generous first guess on a busy two-core machine, then the
 * longest observed: kills land uniformly inside it, so they hit sync, reconcile and delivery alike.
 */
const span = new Map<string, number>([
  ['run', 40_000],
  ['run --full', 40_000],
  ['sync', 20_000],
  ['sync --full', 20_000],
  ['reconcile', 10_000],
  ['deliver', 10_000],
])

interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  ms: number
  stderr: string
}

function start(cmd: string[]): { child: ChildProcess; done: Promise<Exit> } {
  const t0 = performance.now()
  const child = spawn(process.execPath, [BIN, ...cmd, '--config', configFile, '--json'], {
    cwd: dir,
    env: { ...process.env, ACCORD_NOW: scenario.now, ACCORD_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += d))
  const done = new Promise<Exit>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, ms: performance.now() - t0, stderr })),
  )
  return { child, done }
}

let kills = 0
let completed = 0
const byCommand = new Map<string, number>()
const started = performance.now()
for (let round = 1; kills < TARGET; round++) {
  if (round > TARGET * 4)
    throw new Error(`only ${kills} kills in ${round} rounds: runs finish before the kill`)
  const change = random() < 0.7 ? churn() : 'no change'
  const cmd = COMMANDS[Math.floor(random() * COMMANDS.length)]!
  const name = cmd.join(' ')
  const delay = Math.round(300 + random() * span.get(name)!)
  const { child, done } = start(cmd)
  const timer = new Promise<'kill'>((r) => setTimeout(() => r('kill'), delay))
  const first = await Promise.race([done, timer])
  if (first === 'kill') {
    child.kill('SIGKILL')
    await done
    // Killed before it could finish: it may run longer than thought, so later kills reach further in.
    span.set(name, Math.max(span.get(name)!, delay * 1.25))
    kills++
    byCommand.set(name, (byCommand.get(name) ?? 0) + 1)
    log(`round ${round}: ${change}; accord ${name} killed after ${delay} ms (kill ${kills})`)
  } else {
    completed++
    span.set(name, first.ms)
    log(
      `round ${round}: ${change}; accord ${name} finished in ${Math.round(first.ms)} ms (exit ${first.code})`,
    )
    // 0 done, 1 a connector or delivery failed (retried next round); anything else is a defect.
    if (first.code !== 0 && first.code !== 1) {
      throw new Error(`accord ${name} exited ${first.code} after a kill:\n${first.stderr}`)
    }
  }
}

// ------------------------------------------------------------------------------------------- convergence

for (const t of toggles) {
  if (t.removed) {
    t.add()
    t.removed = false
  }
}
// Uninterrupted: a full listing so every stream is complete again, then the outbox and exports drain.
for (const cmd of [['run', '--full'], ['run']]) {
  const r = await start(cmd).done
  if (r.code !== 0) throw new Error(`the final accord ${cmd.join(' ')} exited ${r.code}:\n${r.stderr}`)
}

async function openCrashStore(): Promise<Store> {
  return dbUrl ? openStore({ url: dbUrl }) : openStore({ path: join(dir, 'store') })
}

// The clean run: a fresh store, full syncs of the same tenant, one reconcile.
const config = loadConfig(configFile)
const policy = loadPolicyFor(config)
const clean = await openStore({ memory: {} })
const mig = await migrateToLatest(clean)
if (mig.error) throw mig.error
for (const c of config.value.connectors) {
  const o = await runConnectorSync(clean.db, c, { full: true, logger: silentLogger() })
  if (o.status !== 'succeeded') throw new Error(`clean sync of ${c.id} failed: ${o.error}`)
}
await reconcile(clean.db, { config: config.value, policy: policy.value, logger: silentLogger() })

const crash = await openCrashStore()
const problems: string[] = []
if (JSON.stringify(await dumpSnapshot(crash.db)) !== JSON.stringify(await dumpSnapshot(clean.db))) {
  problems.push(
    'the store differs from a clean run’s (identities, entitlements, grants, credentials, tickets)',
  )
}
const openCrash = await openFindingIds(crash.db)
const openClean = await openFindingIds(clean.db)
if (JSON.stringify(openCrash) !== JSON.stringify(openClean)) {
  problems.push(
    `open findings differ: ${openCrash.filter((x) => !openClean.includes(x)).length} only after crashes, ` +
      `${openClean.filter((x) => !openCrash.includes(x)).length} only in the clean run`,
  )
}

// Duplicates: one ticket per finding in each sink.
const incidents = sandbox.simulators.servicenow.db.table('incident').rows
const byCorrelation = new Map<string, number>()
for (const row of incidents) {
  const id = row.correlation_id
  if (id) byCorrelation.set(id, (byCorrelation.get(id) ?? 0) + 1)
}
const byProperty = new Map<string, number>()
for (const issue of scenario.tenant.jira.issues) {
  const fp = (issue.properties?.[FINDING_PROPERTY] as { fingerprint?: string } | undefined)?.fingerprint
  if (fp) byProperty.set(fp, (byProperty.get(fp) ?? 0) + 1)
}
let duplicates = 0
for (const n of [...byCorrelation.values(), ...byProperty.values()]) duplicates += n - 1

// Lost: a raised finding without its ticket, or a finding event missing from the OCSF file.
let lost = 0
const raised = await crash.db
  .selectFrom('findings')
  .select(['id', 'raised_sink', 'raised_key'])
  .where('raised_key', 'is not', null)
  .execute()
for (const f of raised) {
  const there = f.raised_sink === 'jira' ? byProperty.has(f.id) : byCorrelation.has(f.id)
  if (!there) {
    lost++
    problems.push(
      `finding ${f.id} says it was raised as ${f.raised_key} in ${f.raised_sink}, which has no such ticket`,
    )
  }
}
// A finding at or above the raise floor that never got its ticket is lost too (routes send every one somewhere).
const floor = severityRank(config.value.raise?.minSeverity ?? 'high')
const unraised = (
  await crash.db
    .selectFrom('findings')
    .select(['id', 'severity', 'rule'])
    .where('status', '=', 'open')
    .where('raised_key', 'is', null)
    .execute()
).filter((f) => severityRank(f.severity as Severity) >= floor)
for (const f of unraised) {
  lost++
  problems.push(`open ${f.severity} finding ${f.id} (${f.rule}) was never raised`)
}
const pending = await crash.db
  .selectFrom('outbox')
  .select(['finding_id', 'action', 'status', 'last_error'])
  .where('status', '!=', 'done')
  .execute()
for (const p of pending) {
  lost++
  problems.push(`outbox ${p.action} for ${p.finding_id} still ${p.status}: ${p.last_error ?? ''}`)
}
const ocsfUids = new Set(
  readFileSync(join(dir, 'findings.ocsf.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { metadata: { uid: string } }).metadata.uid),
)
const events = await crash.db.selectFrom('finding_events').select(['id', 'finding_id']).execute()
let missingEvents = 0
for (const e of events) if (!ocsfUids.has(emissionUid(e.finding_id, Number(e.id)))) missingEvents++
if (missingEvents)
  problems.push(`${missingEvents} of ${events.length} finding events are not in the OCSF file`)
lost += missingEvents

const stats = {
  kills,
  completedRuns: completed,
  killsByCommand: Object.fromEntries(byCommand),
  openFindings: openCrash.length,
  findingEvents: events.length,
  ocsfEvents: ocsfUids.size,
  serviceNowIncidents: byCorrelation.size,
  jiraIssues: byProperty.size,
  seconds: Math.round((performance.now() - started) / 1000),
  store: dbUrl ? 'postgres' : 'embedded',
}
log(JSON.stringify(stats))
for (const p of problems) log(`PROBLEM: ${p}`)
await crash.close()
await clean.close()
await sandbox.close()
if (!args.keep) rmSync(dir, { recursive: true, force: true })
else log(`kept ${dir}`)
log(`kills survived: ${kills}, duplicates: ${duplicates}, lost: ${lost}`)
process.exitCode = duplicates === 0 && lost === 0 && problems.length === 0 ? 0 : 1

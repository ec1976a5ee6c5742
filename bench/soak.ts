/**
 * Soak: many whole cycles (sync, reconcile, deliver, export) against the sandbox with changes to the tenant
 * between them, in one process. Heap (after GC) and open handles must stay flat.
 *
 *   npm run soak                      200 cycles
 *   npm run soak -- --cycles 20       a shorter run
 *
 * Prints a line every 10 cycles and records the figures in bench/results/soak.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig, loadPolicyFor } from '../src/config/load.ts'
import { silentLogger } from '../src/core/logger.ts'
import { runCycle } from '../src/daemon/cycle.ts'
import { invokeControl } from '../src/sandbox/core/index.ts'
import { writeSandboxFiles } from '../src/sandbox/files.ts'
import { type Sandbox, startSandbox } from '../src/sandbox/sandbox.ts'
import { generateScenario } from '../src/sandbox/scenario/index.ts'
import { migrateToLatest } from '../src/store/migrate.ts'
import { openStore } from '../src/store/open.ts'

const { values } = parseArgs({
  options: { cycles: { type: 'string', default: '200' }, seed: { type: 'string', default: '7' } },
})
const CYCLES = Number(values.cycles)
const seed = Number(values.seed)
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) console.warn('run with --expose-gc (npm run soak does) for heap figures after collection')

const dir = mkdtempSync(join(tmpdir(), 'accord-soak-'))
let scenario: ReturnType<typeof generateScenario> | undefined = generateScenario({ seed, size: 'small' })
process.env.ACCORD_NOW = scenario.now
let sandbox: Sandbox | undefined = await startSandbox(scenario.tenant, { faultSeed: seed })
writeSandboxFiles(dir, sandbox, scenario)
const config = loadConfig(join(dir, 'accord.yaml'))
const policy = loadPolicyFor(config)
const store = await openStore({ path: join(dir, 'store') })
const m = await migrateToLatest(store)
if (m.error) throw m.error
const logger = silentLogger()

let state = 1
const rand = (n: number) => {
  state = (state * 1_103_515_245 + 12_345) % 2 ** 31
  return state % n
}
// Ids only: the tenant objects themselves belong to the simulators (which write into them) and are dropped with
// them at the end.
const { users, groups, oktaUsers, oktaGroups } = ((t) => ({
  users: t.graph.users.filter((u) => u.accountEnabled).map((u) => u.id),
  groups: t.graph.groups.map((x) => x.id),
  oktaUsers: t.okta.users.filter((u) => u.status === 'ACTIVE').map((u) => u.id),
  oktaGroups: t.okta.groups.filter((x) => x.type === 'OKTA_GROUP').map((x) => x.id),
}))(scenario.tenant)
const added: [string, string][] = []
const oktaAdded: [string, string][] = []

/** A change the tenant refuses (already a member, say) is simply skipped. */
const ctl = (vendor: 'graph' | 'okta', op: string, args: unknown) =>
  invokeControl(sandbox!.control[vendor], op, args).catch(() => undefined)

/** A few changes per cycle: memberships added and taken back in both identity providers. */
async function churn(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const pair: [string, string] = [groups[rand(groups.length)]!, users[rand(users.length)]!]
    await ctl('graph', 'addGroupMember', { groupId: pair[0], memberId: pair[1] })
    added.push(pair)
    const op: [string, string] = [oktaGroups[rand(oktaGroups.length)]!, oktaUsers[rand(oktaUsers.length)]!]
    await ctl('okta', 'addGroupMember', { groupId: op[0], userId: op[1] })
    oktaAdded.push(op)
  }
  while (added.length > 6) {
    const [groupId, memberId] = added.shift()!
    await ctl('graph', 'removeGroupMember', { groupId, memberId })
  }
  while (oktaAdded.length > 6) {
    const [groupId, userId] = oktaAdded.shift()!
    await ctl('okta', 'removeGroupMember', { groupId, userId })
  }
}

const mb = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10
const samples: {
  cycle: number
  heapMb: number
  rssMb: number
  handles: number
  seconds: number
  rateLimitWaitS: number
  failed: boolean
}[] = []
const started = performance.now()
for (let cycle = 1; cycle <= CYCLES; cycle++) {
  const t = performance.now()
  if (cycle > 1) await churn()
  const r = await runCycle({ config, policy, store, logger }, { full: cycle === 1 })
  gc?.()
  const sample = {
    cycle,
    heapMb: mb(process.memoryUsage().heapUsed),
    rssMb: mb(process.memoryUsage().rss),
    handles: process.getActiveResourcesInfo().length,
    seconds: (performance.now() - t) / 1000,
    /** Time the connectors waited on the simulators' rate limits, which they enforce as the vendors do. */
    rateLimitWaitS: r.syncs.reduce((n, s) => n + s.stats.rateLimitWaitMs, 0) / 1000,
    failed: r.failed,
  }
  samples.push(sample)
  if (cycle === 1 || cycle % 10 === 0) {
    console.log(
      `cycle ${cycle}: heap ${sample.heapMb} MB, rss ${sample.rssMb} MB, handles ${sample.handles}, ${sample.seconds.toFixed(2)} s (rate-limit wait ${sample.rateLimitWaitS.toFixed(2)} s)${r.failed ? ' (a step failed)' : ''}`,
    )
  }
}
// The simulators run in this process and keep what accord did to them (Jira issues and their ADF comments,
// ServiceNow incidents, Graph delta rounds, Okta's System Log), which grows every cycle: the heap once they and
// their tenant are dropped is accord's own share.
await sandbox.close()
sandbox = undefined
scenario = undefined
// Closed servers let go of their handles (and so of everything they reach) on a later turn of the event loop.
await new Promise((r) => setTimeout(r, 300))
gc?.()
const withoutSimulators = mb(process.memoryUsage().heapUsed)
await store.close()
rmSync(dir, { recursive: true, force: true })

const at = (n: number) => samples[Math.min(samples.length, n) - 1]!
const first = at(Math.min(10, samples.length))
const last = samples.at(-1)!
const failed = samples.filter((s) => s.failed).length
const summary = [
  '# Soak',
  '',
  `\`npm run soak -- --cycles ${CYCLES}\` on ${new Date().toISOString().slice(0, 10)}: ${CYCLES} whole cycles (sync of the four ` +
    'simulators, reconcile, deliver, export) in one process on the embedded store, with 3 membership changes in ' +
    `Entra and 3 in Okta (and their reversal) between cycles. ${((performance.now() - started) / 1000).toFixed(0)} s in all.`,
  '',
  '| | cycle 10 | last cycle |',
  '|---|---|---|',
  `| heap after GC | ${first.heapMb} MB | ${last.heapMb} MB |`,
  `| RSS | ${first.rssMb} MB | ${last.rssMb} MB |`,
  `| active handles | ${first.handles} | ${last.handles} |`,
  `| cycle time | ${first.seconds.toFixed(2)} s | ${last.seconds.toFixed(2)} s |`,
  `| rate-limit wait (summed over the connectors, which sync in parallel) | ${first.rateLimitWaitS.toFixed(2)} s | ${last.rateLimitWaitS.toFixed(2)} s |`,
  '',
  `Cycles with a failed step: ${failed}.`,
  '',
  `Heap after GC once the simulators were closed (accord's own share, its store still open): ${withoutSimulators} MB.`,
  '',
]
writeFileSync(new URL('./results/soak.md', import.meta.url), summary.join('\n'))
console.log(summary.slice(4).join('\n'))

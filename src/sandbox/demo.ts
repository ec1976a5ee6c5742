import { rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { loadConfig, loadPolicyFor } from '../config/load.ts'
import type { Logger } from '../core/logger.ts'
import { type CycleReport, runCycle } from '../daemon/cycle.ts'
import type { Finding } from '../model/finding.ts'
import { comparisonKey, type FindingJson, toFindingJson } from '../model/findings-json.ts'
import { migrateToLatest } from '../store/migrate.ts'
import { openStore } from '../store/open.ts'
import { listFindings } from '../store/repositories/findings.ts'
import { writeSandboxFiles } from './files.ts'
import { startSandbox } from './sandbox.ts'
import { generateScenario } from './scenario/index.ts'

export interface DemoOptions {
  out: string
  seed: number
  logger: Logger
  onStep?: (text: string) => void
}

export interface DemoResult {
  out: string
  configFile: string
  scenarioNow: string
  counts: ReturnType<typeof generateScenario>['counts']
  cycle: CycleReport
  findings: Finding[]
  /** Open findings compared with the sandbox's ground truth (a multiset on rule, identity, entitlement, ticket). */
  truth: { expected: number; found: number; missing: FindingJson[]; unexpected: FindingJson[] }
  files: string[]
  seconds: number
}

/**
 * The self-contained demo: a seeded `small` tenant served by the four simulators on loopback, one whole cycle
 * (sync, reconcile, raise into the sandbox ServiceNow and Jira, export OCSF and CEF) into a fresh embedded store
 * in `out/store`, and the config left behind so the user can go on exploring with the same store.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const started = performance.now()
  const step = opts.onStep ?? (() => {})
  const out = resolve(opts.out)
  step(`generating the sandbox tenant (seed ${opts.seed})`)
  const scenario = generateScenario({ seed: opts.seed, size: 'small' })
  // The tenant is set at a fixed time; accord must see the same "now" as the generator did.
  process.env.ACCORD_NOW ??= scenario.now
  step('starting the ServiceNow, Jira, Entra ID and Okta simulators on loopback')
  const sandbox = await startSandbox(scenario.tenant, { faultSeed: opts.seed })
  try {
    rmSync(resolve(out, 'store'), { recursive: true, force: true })
    for (const f of ['findings.ocsf.jsonl', 'findings.cef']) rmSync(resolve(out, f), { force: true })
    const files = writeSandboxFiles(out, sandbox, scenario)
    const configFile = resolve(out, 'accord.yaml')
    const config = loadConfig(configFile)
    const policy = loadPolicyFor(config)
    const store = await openStore({ path: resolve(out, 'store') })
    try {
      const report = await migrateToLatest(store)
      if (report.error) throw report.error
      step('syncing, reconciling, raising tickets and exporting')
      const cycle = await runCycle({ config, policy, store, logger: opts.logger }, { full: true })
      const findings = await listFindings(store.db, {})
      const open = findings.filter((f) => f.status === 'open').map(toFindingJson)
      const truth = compare(scenario.manifest, open)
      return {
        out,
        configFile,
        scenarioNow: scenario.now,
        counts: scenario.counts,
        cycle,
        findings,
        truth,
        files: [...files, 'findings.ocsf.jsonl', 'findings.cef', 'store/'],
        seconds: (performance.now() - started) / 1000,
      }
    } finally {
      await store.close()
    }
  } finally {
    await sandbox.close()
  }
}

function compare(expected: FindingJson[], found: FindingJson[]): DemoResult['truth'] {
  const left = new Map<string, FindingJson[]>()
  for (const e of expected) left.set(comparisonKey(e), [...(left.get(comparisonKey(e)) ?? []), e])
  const unexpected: FindingJson[] = []
  for (const f of found) {
    const bucket = left.get(comparisonKey(f))
    if (bucket?.length) bucket.pop()
    else unexpected.push(f)
  }
  return { expected: expected.length, found: found.length, missing: [...left.values()].flat(), unexpected }
}

import { Policy } from '../../../src/config/policy.ts'
import { Config } from '../../../src/config/schema.ts'
import { silentLogger } from '../../../src/core/logger.ts'
import { comparisonKey, type FindingJson, toFindingJson } from '../../../src/model/findings-json.ts'
import { reconcile } from '../../../src/reconciler/reconcile.ts'
import { generateScenario, type ScenarioSize } from '../../../src/sandbox/scenario/index.ts'
import type { Store } from '../../../src/store/open.ts'
import { listFindings } from '../../../src/store/repositories/findings.ts'
import { loadIntended } from './load-intended.ts'

export interface RuleScore {
  rule: string
  expected: number
  found: number
  matched: number
  precision: number
  recall: number
}

export interface ScenarioResult {
  seed: number
  size: ScenarioSize
  rules: RuleScore[]
  /** Keys accord reported that the manifest does not have, and the reverse (first few). */
  extra: string[]
  missing: string[]
  /** Matched findings whose severity differs from the manifest's. */
  severityMismatches: string[]
  reconcileMs: number
}

/** Multiset difference on `comparisonKey`: what is in `a` and not matched in `b`. */
function minus(a: string[], b: string[]): string[] {
  const left = new Map<string, number>()
  for (const k of b) left.set(k, (left.get(k) ?? 0) + 1)
  const out: string[] = []
  for (const k of a) {
    const n = left.get(k) ?? 0
    if (n > 0) left.set(k, n - 1)
    else out.push(k)
  }
  return out
}

/**
 * Generates a scenario, loads what a full sync of each source stores, reconciles, and scores the open findings
 * against the generator's manifest as a multiset, per rule.
 */
export async function checkScenario(store: Store, size: ScenarioSize, seed: number): Promise<ScenarioResult> {
  const scenario = generateScenario({ seed, size })
  const now = new Date(scenario.now)
  await loadIntended(store.db, scenario.intended, new Date(now.getTime() - 3_600_000))
  process.env.ACCORD_NOW = scenario.now
  const started = performance.now()
  await reconcile(store.db, {
    config: Config.parse({}),
    policy: Policy.parse(scenario.policy),
    logger: silentLogger(),
  })
  const reconcileMs = performance.now() - started
  const found = (await listFindings(store.db, { status: ['open'] })).map(toFindingJson)
  const expected = scenario.manifest
  const rules = [...new Set([...expected, ...found].map((f) => f.rule))].sort()
  const keysOf = (xs: FindingJson[]) => xs.map(comparisonKey)
  const score: RuleScore[] = rules.map((rule) => {
    const e = keysOf(expected.filter((f) => f.rule === rule))
    const f = keysOf(found.filter((x) => x.rule === rule))
    const matched = f.length - minus(f, e).length
    return {
      rule,
      expected: e.length,
      found: f.length,
      matched,
      precision: f.length ? matched / f.length : 1,
      recall: e.length ? matched / e.length : 1,
    }
  })
  const sev = new Map(expected.map((f) => [comparisonKey(f), f.severity]))
  const severityMismatches = found
    .filter((f) => sev.has(comparisonKey(f)) && sev.get(comparisonKey(f)) !== f.severity)
    .map((f) => `${comparisonKey(f)}: accord ${f.severity}, manifest ${sev.get(comparisonKey(f))}`)
  const plantOf = new Map(expected.map((f) => [comparisonKey(f), (f as { plant?: string }).plant]))
  return {
    seed,
    size,
    rules: score,
    extra: minus(keysOf(found), keysOf(expected)),
    missing: minus(keysOf(expected), keysOf(found)).map((k) => `${k} (${plantOf.get(k) ?? '?'})`),
    severityMismatches,
    reconcileMs,
  }
}

export function formatResult(r: ScenarioResult): string {
  const lines = [`${r.size} seed ${r.seed}: reconcile ${Math.round(r.reconcileMs)} ms`]
  for (const s of r.rules)
    lines.push(
      `  ${s.rule}  expected ${s.expected}  found ${s.found}  precision ${s.precision.toFixed(3)}  recall ${s.recall.toFixed(3)}`,
    )
  if (r.extra.length) lines.push(`  extra (${r.extra.length}): ${r.extra.slice(0, 15).join(' | ')}`)
  if (r.missing.length) lines.push(`  missing (${r.missing.length}): ${r.missing.slice(0, 15).join(' | ')}`)
  if (r.severityMismatches.length)
    lines.push(
      `  severity (${r.severityMismatches.length}): ${r.severityMismatches.slice(0, 10).join(' | ')}`,
    )
  return lines.join('\n')
}

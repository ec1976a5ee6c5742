/**
 * Scenario generation benchmark: time (wall and CPU), peak memory and counts for each size, each size in its
 * own process (so peak RSS is that size's alone). Writes bench/results/scenario.md.
 *
 *   npm run bench:scenario               # small, medium, large
 *   npm run bench:scenario -- medium     # one size
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { generateScenario, type ScenarioSize } from '../src/sandbox/scenario/index.ts'

interface Result {
  size: ScenarioSize
  wallMs: number
  cpuMs: number
  generationMs: number
  intendedMs: number
  /** Peak RSS when the tenant and manifest are built, before `intended` is read. */
  genRssMb: number
  peakRssMb: number
  heapMb: number
  counts: ReturnType<typeof generateScenario>['counts']
}

function measure(size: ScenarioSize): Result {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const s = generateScenario({ seed: 1, size })
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const heapMb = process.memoryUsage().heapUsed / 1e6
  const genRssMb = process.resourceUsage().maxRSS / 1024
  const t1 = performance.now()
  const intended = s.intended
  const intendedMs = performance.now() - t1
  if (intended.entra.grants.length + intended.okta.grants.length !== s.counts.directGrants)
    throw new Error('intended and counts disagree')
  return {
    size,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    generationMs: s.generationMs,
    intendedMs,
    genRssMb,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    heapMb,
    counts: s.counts,
  }
}

if (process.env.BENCH_SCENARIO_CHILD) {
  process.stdout.write(JSON.stringify(measure(process.env.BENCH_SCENARIO_CHILD as ScenarioSize)))
} else {
  const sizes = (process.argv[2]?.split(',') ?? ['small', 'medium', 'large']) as ScenarioSize[]
  const results: Result[] = []
  const load = loadavg()[0]!.toFixed(1)
  for (const size of sizes) {
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url)], {
      env: { ...process.env, BENCH_SCENARIO_CHILD: size },
      maxBuffer: 1 << 20,
    })
    const r = JSON.parse(out.toString()) as Result
    results.push(r)
    console.log(
      `${size}: ${Math.round(r.wallMs)} ms wall, ${Math.round(r.cpuMs)} ms CPU, peak RSS ${Math.round(r.genRssMb)} MB ` +
        `(${Math.round(r.peakRssMb)} MB with intended), ` +
        `${r.counts.identities} identities, ${r.counts.directGrants} direct grants, ${r.counts.tickets} tickets, ` +
        `${r.counts.findings} findings; intended ${Math.round(r.intendedMs)} ms`,
    )
  }
  const row = (r: Result) =>
    `| ${r.size} | ${Math.round(r.wallMs)} | ${Math.round(r.cpuMs)} | ${Math.round(r.genRssMb)} | ${Math.round(r.heapMb)} | ` +
    `${r.counts.identities} | ${r.counts.directGrants} | ${r.counts.tickets} | ${r.counts.entitlements} | ` +
    `${r.counts.credentials} | ${r.counts.findings} | ${Math.round(r.intendedMs)} | ${Math.round(r.peakRssMb)} |`
  const md = `# Scenario generation

\`npm run bench:scenario\` (seed 1; each size in its own Node ${process.version} process). Measured ${new Date().toISOString()}
on a shared 2-core machine, 1-minute load average ${load} at the start: wall time includes waiting for the CPU,
so CPU time is the steadier figure.

| size | wall ms | CPU ms | peak RSS MB | heap after MB | identities | direct grants | tickets | entitlements | credentials | findings | intended ms | peak RSS with intended MB |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
${results.map(row).join('\n')}

- *wall ms*: \`generateScenario\` (tenant and manifest); *intended ms*: the first read of \`scenario.intended\`
  (normalising the raw tenant into model records), which is lazy and not part of generation.
- *peak RSS*: the process's peak after generating (tenant and manifest in memory); the last column is the peak
  after also building \`intended\` (every record in model shapes, with \`Date\`s) in the same process.
- CPU ms counts every thread of the process (V8's GC helpers too); a CPU profile of medium puts about half of it in
  garbage collection (the tenant is millions of small long-lived objects).
`
  if (sizes.length === 3) writeFileSync(new URL('./results/scenario.md', import.meta.url), md)
  else console.log(md)
}

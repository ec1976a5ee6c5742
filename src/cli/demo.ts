import { relative } from 'node:path'
import type { Command } from 'commander'
import { UserError } from '../core/errors.ts'
import type { Finding } from '../model/finding.ts'
import { RULES } from '../reconciler/rules/index.ts'
import { runDemo } from '../sandbox/demo.ts'
import { action } from './action.ts'
import { EXIT } from './exit-codes.ts'
import { globalOptions } from './global-options.ts'
import { printJson, println, printTable } from './output.ts'
import { cycleJson, printCycle } from './run.ts'
import { loggerFor } from './runtime.ts'

/** Rules whose findings make the clearest first examples, in the order to show them. */
const SHOWCASE = ['ACC-003', 'ACC-010', 'ACC-008', 'ACC-005', 'NHI-003', 'ACC-001']

export function register(program: Command): void {
  program
    .command('demo')
    .description('run a whole cycle against built-in simulators of ServiceNow, Jira, Entra ID and Okta')
    .option('--out <dir>', 'where to write the config, store, manifest and exports', './out')
    .option('--seed <n>', 'seed of the generated tenant', '1')
    .action(
      action(async (opts: { out: string; seed: string }, cmd: Command) => {
        const g = globalOptions(cmd)
        const seed = Number(opts.seed)
        if (!Number.isInteger(seed) || seed < 0)
          throw new UserError(`--seed: expected a whole number, got ${JSON.stringify(opts.seed)}`)
        const logger = loggerFor(g)
        const say = (t: string) => {
          if (!g.json) process.stderr.write(`… ${t}\n`)
        }
        const r = await runDemo({ out: opts.out, seed, logger, onStep: say })
        const open = r.findings.filter((f) => f.status === 'open')
        if (g.json) {
          printJson({ ...cycleJson(r.cycle), out: r.out, truth: r.truth, seconds: r.seconds })
          return r.cycle.failed ? EXIT.failed : EXIT.ok
        }
        println()
        println(
          `The sandbox tenant (seed ${seed}, as of ${r.scenarioNow}): ${r.counts.identities} identities, ` +
            `${r.counts.directGrants} direct grants, ${r.counts.tickets} tickets, ${r.counts.credentials} NHI credentials.`,
        )
        println()
        println('Synced')
        printCycle(r.cycle)
        println()
        println(`Findings: ${open.length} open`)
        const byRule = new Map<string, Finding[]>()
        for (const f of open) byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f])
        printTable(
          ['rule', 'what', 'open', 'severities'],
          [...byRule.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([rule, fs]) => [
              rule,
              RULES[rule as Finding['rule']].summary,
              fs.length,
              [...new Set(fs.map((f) => f.severity))].join(', '),
            ]),
        )
        println()
        println('Three of them, in words')
        const shown = SHOWCASE.map((rule) => byRule.get(rule)?.[0])
          .filter((f): f is Finding => Boolean(f))
          .slice(0, 3)
        for (const f of shown) {
          println(`  ${f.rule} (${f.severity}) ${f.title}`)
          const why = typeof f.evidence.why === 'string' ? f.evidence.why : null
          if (why && !f.title.includes(why)) println(`    why: ${why}`)
          println(`    fix: ${RULES[f.rule].remediation}`)
          if (f.raisedTicket) println(`    raised as ${f.raisedTicket.key} in ${f.raisedTicket.sink}`)
          println(`    more: npx accord findings show ${f.id.slice(0, 12)} --config ${rel(r.configFile)}`)
        }
        println()
        const raised = open.filter((f) => f.raisedTicket)
        const bySink = new Map<string, string[]>()
        for (const f of raised)
          bySink.set(f.raisedTicket!.sink, [...(bySink.get(f.raisedTicket!.sink) ?? []), f.raisedTicket!.key])
        println(
          `Tickets raised: ${raised.length}${[...bySink.entries()].map(([s, keys]) => `; ${keys.length} in ${s} (${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', …' : ''})`).join('')}`,
        )
        const { expected, missing, unexpected } = r.truth
        println(
          missing.length === 0 && unexpected.length === 0
            ? `Ground truth: all ${expected} findings the sandbox planted were found, and nothing else.`
            : `Ground truth: ${expected} planted; ${missing.length} not found, ${unexpected.length} not planted (see manifest.json).`,
        )
        println()
        println(`Files in ${rel(r.out)}/: ${r.files.join(', ')}`)
        println('Go on exploring the same store:')
        println(`  npx accord findings list --config ${rel(r.configFile)}`)
        println(`  npx accord findings show <id> --config ${rel(r.configFile)}`)
        println(`  npx accord evidence --sample 5 --config ${rel(r.configFile)}`)
        println(`(done in ${r.seconds.toFixed(1)} s)`)
        return r.cycle.failed ? EXIT.failed : EXIT.ok
      }),
    )
}

function rel(p: string): string {
  const r = relative(process.cwd(), p)
  return r.startsWith('..') ? p : r || '.'
}

import type { Command } from 'commander'
import { UserError } from '../core/errors.ts'
import { enqueueRaise } from '../delivery/outbox/enqueue.ts'
import { atLeast, Severity } from '../model/severity.ts'
import { type ReconcileSummary, reconcile } from '../reconciler/reconcile.ts'
import { RULES } from '../reconciler/rules/index.ts'
import { countOpenBy } from '../store/repositories/findings.ts'
import { action } from './action.ts'
import { EXIT } from './exit-codes.ts'
import { globalOptions } from './global-options.ts'
import { printJson, println, printTable, warn } from './output.ts'
import { openRuntime } from './runtime.ts'

export function parseSeverity(text: string, option: string): Severity {
  const r = Severity.safeParse(text)
  if (!r.success)
    throw new UserError(
      `${option}: expected one of ${Severity.options.join(', ')}, got ${JSON.stringify(text)}`,
    )
  return r.data
}

export function register(program: Command): void {
  program
    .command('reconcile')
    .description('match grants to tickets, record evidence, and open, update or resolve findings')
    .option(
      '--fail-on <severity>',
      'exit 3 when an open finding at or above this severity exists (low, medium, high, critical)',
    )
    .action(
      action(async (opts: { failOn?: string }, cmd: Command) => {
        const g = globalOptions(cmd)
        const failOn = opts.failOn === undefined ? undefined : parseSeverity(opts.failOn, '--fail-on')
        const rt = await openRuntime(g)
        try {
          const raise = rt.config.value.raise
          const summary = await reconcile(rt.store.db, {
            config: rt.config.value,
            policy: rt.policy.value,
            logger: rt.logger,
            // Findings at or above raise.minSeverity are queued for their ITSM in the same transaction.
            onEvents: raise
              ? async (trx, events) => void (await enqueueRaise(trx, events, raise))
              : undefined,
          })
          if (g.json) printJson(summary)
          else printSummary(summary)
          if (failOn) {
            const hits = (await countOpenBy(rt.store.db)).filter((r) =>
              atLeast(r.severity as Severity, failOn),
            )
            if (hits.length) {
              const n = hits.reduce((a, r) => a + r.count, 0)
              if (!g.json) println(`--fail-on ${failOn}: ${n} open finding(s) at or above ${failOn}`)
              return EXIT.threshold
            }
          }
          return EXIT.ok
        } finally {
          await rt.close()
        }
      }),
    )
}

function printSummary(s: ReconcileSummary): void {
  if (s.open.length) {
    printTable(
      ['rule', 'finding', 'severity', 'open'],
      s.open.map((r) => [r.rule, RULES[r.rule].summary, r.severity, r.count]),
    )
  } else println('no open findings')
  const c = s.changes
  println(
    `run ${s.runId}: ${c.opened} opened, ${c.updated} updated, ${c.resolved} resolved, ${c.reopened} reopened, ` +
      `${c.suppressed} suppressed, ${c.unsuppressed} unsuppressed; ${s.suppressed} suppressed in all`,
  )
  println(
    `read ${s.data.identities} identities, ${s.data.entitlements} entitlements, ${s.data.directGrants} direct grants, ` +
      `${s.data.ticketsInWindow} tickets in the window; ${s.evidence.covered} covered grants (${s.evidence.written} new or changed evidence) in ${(s.durationMs / 1000).toFixed(1)} s`,
  )
  if (s.heldBack.opening || s.heldBack.resolving) {
    warn(
      `held back ${s.heldBack.opening} finding(s) from opening and ${s.heldBack.resolving} from resolving: ` +
        `their inputs are incomplete (${s.heldBack.incompleteInputs.join(', ')}); run a successful sync first`,
    )
  }
}

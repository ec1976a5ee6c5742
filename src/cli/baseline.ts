import type { Command } from 'commander'
import { now } from '../core/clock.ts'
import { UserError } from '../core/errors.ts'
import { acceptBaseline } from '../store/repositories/baseline.ts'
import { action } from './action.ts'
import { globalOptions } from './global-options.ts'
import { printJson, println } from './output.ts'
import { openRuntime } from './runtime.ts'

export function register(program: Command): void {
  const baseline = program.command('baseline').description('accept existing access as the starting point')
  baseline
    .command('accept')
    .description(
      "accept today's uncovered grants (no ticket covers them) as the baseline, recorded with who and when, " +
        'so a first run on a real tenant does not flood; new access after this still needs tickets',
    )
    .option('--source <id>', 'only grants from this connector')
    .option('--before <time>', 'only grants made (or first seen) before this ISO time')
    .requiredOption('--by <person>', 'who accepts them (kept as evidence)')
    .action(
      action(async (opts: { source?: string; before?: string; by: string }, cmd: Command) => {
        const g = globalOptions(cmd)
        let before: Date | undefined
        if (opts.before !== undefined) {
          const t = Date.parse(opts.before)
          if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}/.test(opts.before))
            throw new UserError(
              `--before: expected an ISO date or timestamp, got ${JSON.stringify(opts.before)}`,
            )
          before = new Date(t)
        }
        if (!opts.by.trim()) throw new UserError('--by: say who accepts the baseline')
        const rt = await openRuntime(g)
        try {
          if (opts.source && !rt.config.value.connectors.some((c) => c.id === opts.source))
            throw new UserError(`--source: no connector with id ${JSON.stringify(opts.source)}`)
          const at = now()
          const n = await acceptBaseline(rt.store.db, { source: opts.source, before, by: opts.by.trim(), at })
          if (g.json) printJson({ accepted: n, by: opts.by.trim(), at: at.toISOString() })
          else {
            println(`accepted ${n} grant(s) as the baseline, by ${opts.by.trim()} at ${at.toISOString()}`)
            println('run `accord reconcile` to resolve their findings')
          }
        } finally {
          await rt.close()
        }
      }),
    )
}

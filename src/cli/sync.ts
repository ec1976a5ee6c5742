import type { Command } from 'commander'
import { configPath, loadConfig } from '../config/load.ts'
import type { ConnectorConfig } from '../config/schema.ts'
import { UserError } from '../core/errors.ts'
import { canSync, runConnectorSync, type SyncOutcome } from '../sync/run-connector.ts'
import { action } from './action.ts'
import { EXIT } from './exit-codes.ts'
import { globalOptions } from './global-options.ts'
import { printJson, println, printTable, warn } from './output.ts'
import { syncProgress } from './progress.ts'
import { openRuntime } from './runtime.ts'

export function register(program: Command): void {
  program
    .command('sync')
    .description(
      'pull identities, entitlements, grants and tickets from the configured connectors into the store',
    )
    .option('--connector <id>', 'sync only this connector')
    .option('--full', 'list every stream whole (a complete full listing is what removes what is gone)')
    .action(
      action(async (opts: { connector?: string; full?: boolean }, cmd: Command) => {
        const g = globalOptions(cmd)
        // A wrong --connector is a usage error before any store is opened.
        syncTargets(loadConfig(configPath(g.config)).value.connectors, opts.connector)
        const rt = await openRuntime(g)
        // A first Ctrl-C stops cleanly: the current page commits or not, checkpoints stay, nothing is removed.
        const ac = new AbortController()
        const stop = () => ac.abort(new Error('interrupted'))
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
        try {
          const targets = syncTargets(rt.config.value.connectors, opts.connector)
          const outcomes: SyncOutcome[] = []
          const progress = syncProgress(!g.json)
          for (const c of targets) {
            if (ac.signal.aborted) break
            outcomes.push(
              await runConnectorSync(rt.store.db, c, {
                full: opts.full,
                logger: rt.logger,
                signal: ac.signal,
                onProgress: (p) => progress.update(p),
              }),
            )
          }
          progress.stop()
          if (g.json) printJson(outcomes.map(jsonOutcome))
          else printOutcomes(outcomes)
          if (ac.signal.aborted) warn('interrupted: the next sync resumes from the last committed page')
          return outcomes.some((o) => o.status === 'failed') || ac.signal.aborted ? EXIT.failed : EXIT.ok
        } finally {
          process.removeListener('SIGINT', stop)
          process.removeListener('SIGTERM', stop)
          await rt.close()
        }
      }),
    )
}

/** The connectors to sync: the one named, or every one that can. A wrong name is a usage error. */
function syncTargets<C extends ConnectorConfig>(all: readonly C[], id: string | undefined): C[] {
  if (!id) {
    const targets = all.filter(canSync)
    if (!targets.length) throw new UserError('no configured connector can sync')
    return targets
  }
  const c = all.find((x) => x.id === id)
  if (!c) {
    throw new UserError(
      `no connector with id ${JSON.stringify(id)}; configured: ${all.map((x) => x.id).join(', ') || 'none'}`,
    )
  }
  if (!canSync(c))
    throw new UserError(`connector ${c.id} (${c.kind}) has nothing to sync: give it a tickets section`)
  return [c]
}

function jsonOutcome(o: SyncOutcome) {
  return {
    runId: o.runId,
    connector: o.connectorId,
    status: o.status,
    error: o.error,
    durationMs: Math.round(o.durationMs),
    streams: o.streams,
    stats: o.stats,
  }
}

function printOutcomes(outcomes: SyncOutcome[]): void {
  const rows = outcomes.flatMap((o) =>
    o.streams.map((s) => [
      o.connectorId,
      s.stream,
      s.mode,
      s.status,
      s.records,
      s.removed,
      s.invalid,
      s.stats.requests,
      s.stats.retries,
      s.stats.throttled,
      (s.stats.rateLimitWaitMs / 1000).toFixed(1),
      formatBytes(s.stats.bytes),
    ]),
  )
  if (rows.length) {
    printTable(
      [
        'connector',
        'stream',
        'mode',
        'status',
        'records',
        'removed',
        'invalid',
        'requests',
        'retries',
        '429s',
        'waited s',
        'bytes',
      ],
      rows,
    )
  }
  for (const o of outcomes) {
    const took = `${(o.durationMs / 1000).toFixed(1)} s`
    if (o.status === 'succeeded') println(`${o.connectorId}: succeeded in ${took}`)
    else
      println(
        `${o.connectorId}: FAILED after ${took}: ${o.error}\n  nothing was removed; failed streams stay incomplete until the next success`,
      )
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 / 1024).toFixed(1)} MiB`
}

import type { Command } from 'commander'
import { createLogger } from '../core/logger.ts'
import { startDaemon } from '../daemon/daemon.ts'
import { action } from './action.ts'
import { EXIT } from './exit-codes.ts'
import { globalOptions } from './global-options.ts'
import { isInteractive } from './output.ts'
import { openRuntime } from './runtime.ts'

export function register(program: Command): void {
  program
    .command('daemon')
    .description(
      'run in the background: scheduled syncs, reconcile, delivery and exports; /healthz /readyz /metrics',
    )
    .option('--listen <host:port>', 'health and metrics address (default: daemon.listen, 127.0.0.1:9464)')
    .option('--no-sync-at-start', 'wait for the first scheduled run instead of syncing at start')
    .action(
      action(async (opts: { listen?: string; syncAtStart: boolean }, cmd: Command) => {
        const g = globalOptions(cmd)
        const rt = await openRuntime(g)
        // A daemon logs at info, as JSON lines unless a person is watching.
        rt.logger = createLogger({
          level: g.logLevel ?? process.env.ACCORD_LOG_LEVEL ?? 'info',
          pretty: isInteractive(),
        })
        if (rt.store.kind === 'pglite') {
          rt.logger.warn(
            'running on the embedded store: one process only. For replicas and production, use Postgres (store.url).',
          )
        }
        // A stray rejection (an aborted request nobody awaits any more) must not take the daemon down.
        process.on('unhandledRejection', (e) => rt.logger.error({ err: e }, 'unhandled rejection'))
        const daemon = await startDaemon(rt, { listen: opts.listen, syncAtStart: opts.syncAtStart })
        process.stderr.write(`accord daemon: ${daemon.url}/healthz /readyz /metrics\n`)
        return new Promise<number>((resolve) => {
          let signals = 0
          const onSignal = (sig: NodeJS.Signals) => {
            signals++
            if (signals > 1) {
              // A second signal means now: checkpoints already committed stay valid; nothing half-written is kept.
              process.stderr.write(`accord daemon: ${sig} again, exiting at once\n`)
              process.exit(130)
            }
            rt.logger.info(
              { signal: sig },
              'signal received: stopping gracefully (send it again to exit at once)',
            )
            void daemon
              .stop()
              .then(async ({ clean }) => {
                await rt.close()
                if (!clean) rt.logger.error('in-flight work did not end within daemon.shutdownTimeoutMs')
                const code = clean ? EXIT.ok : EXIT.failed
                // Whatever a vendor socket still holds open must not keep a stopped daemon alive.
                setTimeout(() => process.exit(code), 200).unref()
                resolve(code)
              })
              .catch(() => resolve(EXIT.failed))
          }
          process.on('SIGTERM', onSignal)
          process.on('SIGINT', onSignal)
        })
      }),
    )
}

import { dirname } from 'node:path'
import type { Command } from 'commander'
import { UserError } from '../core/errors.ts'
import { lastEventId, lastEventIdBefore } from '../delivery/export/event-source.ts'
import { type ExportRunResult, replayExporter, runExports } from '../delivery/export/run-exports.ts'
import { type DeliverReport, type DeliveryItem, deliver } from '../delivery/outbox/deliver.ts'
import { getExportCursor } from '../store/repositories/export-cursors.ts'
import { action } from './action.ts'
import { EXIT } from './exit-codes.ts'
import { globalOptions } from './global-options.ts'
import { printJson, println, printTable, warn } from './output.ts'
import { openRuntime } from './runtime.ts'

interface DeliverCliOptions {
  dryRun?: boolean
  retryDead?: boolean
  tickets: boolean
  exports: boolean
  exporter?: string[]
  replayFrom?: string
}

export function register(program: Command): void {
  program
    .command('deliver')
    .description(
      'raise queued findings as ITSM tickets (create, update, resolve, reopen) and run the SIEM exports',
    )
    .option('--dry-run', 'print what would be created, updated and resolved, and what each export would send')
    .option('--retry-dead', 'send dead letters (permanent failures) again, after fixing their cause')
    .option('--no-tickets', 'skip raising tickets')
    .option('--no-exports', 'skip the SIEM exports')
    .option('--exporter <id...>', 'run only these exporters')
    .option(
      '--replay-from <event-id|time>',
      'send again from this finding event (id, or ISO time) to --exporter',
    )
    .action(
      action(async (opts: DeliverCliOptions, cmd: Command) => {
        const g = globalOptions(cmd)
        if (opts.replayFrom && !opts.exporter?.length)
          throw new UserError('--replay-from needs --exporter <id> (which destination to send again)')
        const rt = await openRuntime(g)
        const ac = new AbortController()
        const stop = () => ac.abort(new Error('interrupted'))
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
        try {
          const config = rt.config.value
          const db = rt.store.db
          let report: DeliverReport | null = null
          if (opts.tickets && config.raise) {
            report = await deliver(db, config, {
              logger: rt.logger,
              signal: ac.signal,
              dryRun: opts.dryRun,
              retryDead: opts.retryDead,
              storeKind: rt.store.kind,
            })
          }
          if (opts.replayFrom && !opts.dryRun) {
            const from = await replayPoint(db, opts.replayFrom)
            for (const id of opts.exporter!) await replayExporter(db, config, id, from)
          }
          let exports: (ExportRunResult & { pending?: number })[] = []
          if (opts.exports && config.exports.length) {
            if (opts.dryRun) {
              const last = await lastEventId(db)
              for (const e of config.exports) {
                if (opts.exporter && !opts.exporter.includes(e.id)) continue
                const cursor = opts.replayFrom
                  ? await replayPoint(db, opts.replayFrom)
                  : await getExportCursor(db, e.id)
                exports.push({
                  id: e.id,
                  sent: 0,
                  from: cursor,
                  to: cursor,
                  error: null,
                  pending: last - cursor,
                })
              }
            } else {
              exports = await runExports(db, config, {
                logger: rt.logger,
                signal: ac.signal,
                baseDir: dirname(rt.config.file),
                only: opts.exporter,
              })
            }
          }
          if (g.json) printJson({ tickets: report, exports })
          else print(report, exports, Boolean(config.raise))
          const failed = (report?.dead.length ?? 0) > 0 || exports.some((e) => e.error) || ac.signal.aborted
          return failed && !opts.dryRun ? EXIT.failed : EXIT.ok
        } finally {
          process.removeListener('SIGINT', stop)
          process.removeListener('SIGTERM', stop)
          await rt.close()
        }
      }),
    )
}

async function replayPoint(db: Parameters<typeof lastEventIdBefore>[0], value: string): Promise<number> {
  if (/^\d+$/.test(value)) return Math.max(0, Number(value) - 1)
  const t = Date.parse(value)
  if (Number.isNaN(t))
    throw new UserError(
      `--replay-from: expected a finding event id or an ISO time, got ${JSON.stringify(value)}`,
    )
  return lastEventIdBefore(db, new Date(t))
}

function print(
  report: DeliverReport | null,
  exports: (ExportRunResult & { pending?: number })[],
  raiseConfigured: boolean,
) {
  if (report) {
    const verb = report.dryRun ? 'would be' : 'were'
    const rows: DeliveryItem[] = [
      ...report.created,
      ...report.adopted,
      ...report.updated,
      ...report.resolved,
      ...report.reopened,
    ]
    if (rows.length) {
      printTable(
        ['action', 'sink', 'ticket', 'rule', 'severity', 'finding'],
        rows.map((r) => [
          r.action === 'adopt' ? 'found existing' : r.action,
          r.sink,
          r.key ?? (report.dryRun ? '(new)' : ''),
          r.rule,
          r.severity,
          r.findingId,
        ]),
      )
    }
    println(
      `tickets: ${report.created.length} ${verb} created, ${report.updated.length} updated, ${report.resolved.length} resolved, ` +
        `${report.reopened.length} reopened` +
        (report.adopted.length ? `, ${report.adopted.length} found already raised` : '') +
        (report.deferred ? `; ${report.deferred} wait for the next run (raise.maxNewPerRun)` : '') +
        (report.revived ? `; ${report.revived} dead letters retried` : ''),
    )
    for (const r of report.retrying)
      warn(`finding ${r.findingId} (${r.sink} ${r.action}) will be retried: ${r.reason}`)
    for (const d of report.dead)
      warn(
        `dead letter: finding ${d.findingId} (${d.sink} ${d.action}): ${d.reason}${report.dryRun ? '' : ' (fix, then accord deliver --retry-dead)'}`,
      )
    println(
      `outbox: ${report.outbox.pending} pending, ${report.outbox.in_flight} in flight, ${report.outbox.dead} dead, ${report.outbox.done} done`,
    )
  } else if (!raiseConfigured) println('tickets: no raise section in the config')
  for (const e of exports) {
    if (e.pending !== undefined)
      println(`export ${e.id}: would send ${e.pending} events (after event ${e.from})`)
    else if (e.error)
      warn(
        `export ${e.id}: sent ${e.sent} events, then failed: ${e.error} (the next run resumes after event ${e.to})`,
      )
    else println(`export ${e.id}: sent ${e.sent} events (up to event ${e.to})`)
  }
}

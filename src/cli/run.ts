import type { Command } from 'commander'
import { type CycleReport, runCycle } from '../daemon/cycle.ts'
import { action } from './action.ts'
import { EXIT } from './exit-codes.ts'
import { globalOptions } from './global-options.ts'
import { printJson, println, printTable, warn } from './output.ts'
import { syncProgress } from './progress.ts'
import { openRuntime } from './runtime.ts'

export function register(program: Command): void {
  program
    .command('run')
    .description('one whole cycle: sync every connector, reconcile, raise findings as tickets, export')
    .option('--full', 'full listings instead of incremental syncs')
    .action(
      action(async (opts: { full?: boolean }, cmd: Command) => {
        const g = globalOptions(cmd)
        const rt = await openRuntime(g)
        const ac = new AbortController()
        const stop = () => ac.abort(new Error('interrupted'))
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
        const progress = syncProgress(!g.json)
        try {
          const report = await runCycle(rt, {
            full: opts.full,
            signal: ac.signal,
            onProgress: (p) => progress.update(p),
          })
          progress.stop()
          if (g.json) printJson(cycleJson(report))
          else printCycle(report)
          return report.failed ? EXIT.failed : EXIT.ok
        } finally {
          progress.stop()
          process.removeListener('SIGINT', stop)
          process.removeListener('SIGTERM', stop)
          await rt.close()
        }
      }),
    )
}

export function cycleJson(r: CycleReport) {
  return {
    failed: r.failed,
    syncs: r.syncs.map((s) => ({
      connector: s.connectorId,
      status: s.status,
      error: s.error,
      streams: s.streams.map((x) => ({
        stream: x.stream,
        mode: x.mode,
        status: x.status,
        records: x.records,
        removed: x.removed,
      })),
      requests: s.stats.requests,
      durationMs: Math.round(s.durationMs),
    })),
    reconcile: r.reconcile && {
      changes: r.reconcile.changes,
      open: r.reconcile.open,
      heldBack: r.reconcile.heldBack,
    },
    deliver: r.deliver && {
      created: r.deliver.created.length + r.deliver.adopted.length,
      updated: r.deliver.updated.length,
      resolved: r.deliver.resolved.length,
      reopened: r.deliver.reopened.length,
      deferred: r.deliver.deferred,
      dead: r.deliver.dead,
      retrying: r.deliver.retrying,
    },
    exports: r.exports,
  }
}

export function printCycle(r: CycleReport): void {
  printTable(
    ['connector', 'status', 'streams', 'records', 'removed', 'requests', 'seconds'],
    r.syncs.map((s) => [
      s.connectorId,
      s.status,
      s.streams.map((x) => `${x.stream}${x.mode === 'full' ? '*' : ''}`).join(' '),
      s.streams.reduce((a, x) => a + x.records, 0),
      s.streams.reduce((a, x) => a + x.removed, 0),
      s.stats.requests,
      (s.durationMs / 1000).toFixed(1),
    ]),
  )
  println('(* full listing)')
  for (const s of r.syncs) if (s.error) warn(`${s.connectorId}: ${s.error}`)
  if (r.reconcile) {
    const c = r.reconcile.changes
    println(
      `reconcile: ${Object.entries(c)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}; open now: ${r.reconcile.open.reduce((a, x) => a + x.count, 0)}`,
    )
    if (r.reconcile.heldBack.incompleteInputs.length) {
      warn(
        `held back ${r.reconcile.heldBack.opening} to open and ${r.reconcile.heldBack.resolving} to resolve: incomplete ${r.reconcile.heldBack.incompleteInputs.join(', ')}`,
      )
    }
  }
  if (r.deliver) {
    const d = r.deliver
    println(
      `tickets: ${d.created.length + d.adopted.length} created, ${d.updated.length} updated, ${d.resolved.length} resolved, ${d.reopened.length} reopened` +
        (d.deferred ? `, ${d.deferred} waiting for the next run (raise.maxNewPerRun)` : ''),
    )
    for (const f of [...d.dead, ...d.retrying]) warn(`${f.sink} ${f.action} ${f.findingId}: ${f.reason}`)
  }
  for (const e of r.exports)
    println(`export ${e.id}: ${e.sent} events${e.error ? ` (failed: ${e.error})` : ''}`)
}

import { now } from '../core/clock.ts'
import { canSync, runConnectorSync } from '../sync/run-connector.ts'
import { type CycleInputs, deliverNow, exportNow, reconcileNow } from './cycle.ts'
import { startHealthServer } from './http-server.ts'
import { Leadership } from './leadership.ts'
import { createDaemonMetrics } from './metrics.ts'
import { readiness } from './readiness.ts'
import { type Job, Scheduler } from './scheduler.ts'

export interface DaemonHandle {
  url: string
  leadership: Leadership
  scheduler: Scheduler
  /** Graceful stop: no new runs, in-flight HTTP aborted, checkpoints kept, lease released. */
  stop(): Promise<{ clean: boolean }>
}

/**
 * The background daemon (DESIGN 10): node-cron schedules per connector (regular and forced full), reconcile
 * after the syncs it depends on and on its own schedule, delivery and exports; one leader among replicas
 * through a lease; health, readiness and metrics over HTTP.
 */
export async function startDaemon(
  inputs: CycleInputs,
  opts: { listen?: string; ttlMs?: number; syncAtStart?: boolean } = {},
): Promise<DaemonHandle> {
  const cfg = inputs.config.value
  const log = inputs.logger
  const metrics = createDaemonMetrics(inputs.store.db)
  const leadership = new Leadership({
    db: inputs.store.db,
    logger: log,
    ttlMs: opts.ttlMs ?? cfg.daemon.leaseTtlMs,
    alwaysLeader: inputs.store.kind === 'pglite',
    onChange: (l) => metrics.setLeader(l),
  })
  const scheduler = new Scheduler(log, () => leadership.isLeader)
  const startedAt = now()

  // A reconcile requested while one runs is run once more after it, so no sync's data waits a whole schedule.
  let reconcileAgain = false
  const reconcileJob: Job = {
    name: 'reconcile',
    lane: 'reconcile',
    schedule: cfg.reconcile.schedule,
    run: async (signal) => {
      do {
        reconcileAgain = false
        const t = performance.now()
        try {
          const s = await reconcileNow(inputs)
          metrics.recordReconcile(s, false, (performance.now() - t) / 1000)
        } catch (e) {
          metrics.recordReconcile(null, true, (performance.now() - t) / 1000)
          throw e
        }
      } while (reconcileAgain && !signal.aborted)
    },
  }
  const requestReconcile = () => {
    if (scheduler.running.includes('reconcile')) reconcileAgain = true
    else void scheduler.trigger(reconcileJob, 'after sync')
  }

  const initial: Job[] = []
  for (const c of cfg.connectors.filter(canSync)) {
    const sync = (full: boolean): Job => ({
      name: `sync:${c.id}${full ? ':full' : ''}`,
      lane: `sync:${c.id}`,
      schedule: full ? c.fullSchedule : c.schedule,
      run: async (signal) => {
        const outcome = await runConnectorSync(inputs.store.db, c, { full, logger: log, signal })
        metrics.recordSync(outcome)
        if (!signal.aborted) requestReconcile()
      },
    })
    scheduler.add(sync(false))
    scheduler.add(sync(true))
    initial.push(sync(false))
  }
  scheduler.add(reconcileJob)
  scheduler.add({
    name: 'deliver',
    lane: 'deliver',
    schedule: cfg.daemon.deliverSchedule,
    run: async (signal) => {
      if (cfg.raise) await deliverNow(inputs, signal)
      if (cfg.exports.length) await exportNow(inputs, signal)
    },
  })

  await leadership.start()
  const http = await startHealthServer({
    listen: opts.listen ?? cfg.daemon.listen,
    registry: metrics.registry,
    logger: log,
    readiness: () =>
      readiness(inputs.store.db, cfg, { leader: leadership.isLeader, startedAt, at: new Date() }),
  })
  log.info(
    { url: http.url, role: leadership.isLeader ? 'leader' : 'standby', store: inputs.store.kind },
    'daemon started',
  )
  // A daemon should not wait for the first cron tick to have data: a leader syncs once at start.
  if (opts.syncAtStart !== false) for (const j of initial) void scheduler.trigger(j, 'start')

  let stopping: Promise<{ clean: boolean }> | undefined
  return {
    url: http.url,
    leadership,
    scheduler,
    stop: () => {
      stopping ??= (async () => {
        log.info('shutting down: no new runs; in-flight work aborts at its next page')
        const clean = await scheduler.stop(cfg.daemon.shutdownTimeoutMs)
        await leadership.stop()
        await http.close()
        log.info({ clean }, 'daemon stopped')
        return { clean }
      })()
      return stopping
    },
  }
}

import { sql } from 'kysely'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { deliveryMetrics, registerOutboxGauge } from '../delivery/metrics.ts'
import type { ReconcileSummary } from '../reconciler/reconcile.ts'
import type { Db } from '../store/database.ts'
import type { SyncOutcome } from '../sync/run-connector.ts'

export interface DaemonMetrics {
  registry: Registry
  recordSync(o: SyncOutcome): void
  recordReconcile(s: ReconcileSummary | null, failed: boolean, seconds: number): void
  setLeader(leader: boolean): void
}

/** The daemon's Prometheus metrics, in its own registry; gauges that describe the store are read at scrape. */
export function createDaemonMetrics(db: Db): DaemonMetrics {
  const registry = new Registry()
  const runs = new Counter({
    name: 'accord_sync_runs_total',
    help: 'Connector sync runs by outcome',
    labelNames: ['connector', 'status'],
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'accord_sync_run_duration_seconds',
    help: 'Connector sync run duration',
    labelNames: ['connector'],
    buckets: [1, 5, 15, 60, 300, 900, 3600],
    registers: [registry],
  })
  const requests = new Counter({
    name: 'accord_http_requests_total',
    help: 'Vendor API requests',
    labelNames: ['connector'],
    registers: [registry],
  })
  const retries = new Counter({
    name: 'accord_http_retries_total',
    help: 'Vendor API requests retried',
    labelNames: ['connector'],
    registers: [registry],
  })
  const throttled = new Counter({
    name: 'accord_http_throttled_total',
    help: 'Vendor API 429 answers',
    labelNames: ['connector'],
    registers: [registry],
  })
  const waited = new Counter({
    name: 'accord_rate_limit_wait_seconds_total',
    help: 'Time spent waiting on vendor rate limits',
    labelNames: ['connector'],
    registers: [registry],
  })
  const records = new Counter({
    name: 'accord_records_synced_total',
    help: 'Records written by sync runs (grants, identities, tickets, ...) by stream',
    labelNames: ['connector', 'stream'],
    registers: [registry],
  })
  const lastSuccess = new Gauge({
    name: 'accord_sync_last_success_timestamp_seconds',
    help: 'When each connector last synced successfully',
    labelNames: ['connector'],
    registers: [registry],
  })
  const reconciles = new Counter({
    name: 'accord_reconcile_runs_total',
    help: 'Reconcile runs by outcome',
    labelNames: ['status'],
    registers: [registry],
  })
  const reconcileSeconds = new Histogram({
    name: 'accord_reconcile_duration_seconds',
    help: 'Reconcile run duration',
    buckets: [0.5, 2, 10, 30, 120, 600],
    registers: [registry],
  })
  const leader = new Gauge({
    name: 'accord_leader',
    help: '1 when this replica is the leader',
    registers: [registry],
  })
  new Gauge({
    name: 'accord_findings_open',
    help: 'Open findings by rule and severity',
    labelNames: ['rule', 'severity'],
    registers: [registry],
    async collect() {
      this.reset()
      const rows = await sql<{ rule: string; severity: string; n: number }>`
        select rule, severity, count(*)::int as n from findings where status = 'open' group by rule, severity`.execute(
        db,
      )
      for (const r of rows.rows) this.set({ rule: r.rule, severity: r.severity }, r.n)
    },
  })
  new Gauge({
    name: 'accord_export_lag_events',
    help: 'Finding events not yet delivered by each exporter',
    labelNames: ['exporter'],
    registers: [registry],
    async collect() {
      this.reset()
      const rows = await sql<{ exporter_id: string; lag: number }>`
        select c.exporter_id, (select coalesce(max(id), 0) from finding_events) - c.last_event_id as lag
        from export_cursors c`.execute(db)
      for (const r of rows.rows) this.set({ exporter: r.exporter_id }, Number(r.lag))
    },
  })
  registerOutboxGauge(db, registry)
  deliveryMetrics(registry)
  return {
    registry,
    recordSync(o) {
      runs.inc({ connector: o.connectorId, status: o.status })
      duration.observe({ connector: o.connectorId }, o.durationMs / 1000)
      requests.inc({ connector: o.connectorId }, o.stats.requests)
      retries.inc({ connector: o.connectorId }, o.stats.retries)
      throttled.inc({ connector: o.connectorId }, o.stats.throttled)
      waited.inc({ connector: o.connectorId }, o.stats.rateLimitWaitMs / 1000)
      for (const s of o.streams) records.inc({ connector: o.connectorId, stream: s.stream }, s.records)
      if (o.status === 'succeeded') lastSuccess.set({ connector: o.connectorId }, Date.now() / 1000)
    },
    recordReconcile(_s, failed, seconds) {
      reconciles.inc({ status: failed ? 'failed' : 'succeeded' })
      reconcileSeconds.observe(seconds)
    },
    setLeader(l) {
      leader.set(l ? 1 : 0)
    },
  }
}

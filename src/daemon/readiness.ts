import { sql } from 'kysely'
import cron from 'node-cron'
import type { Config } from '../config/schema.ts'
import type { Db } from '../store/database.ts'
import { canSync } from '../sync/run-connector.ts'

export interface ConnectorReadiness {
  id: string
  lastSuccessAt: string | null
  ageSeconds: number | null
  /** How long between two runs on its schedule. */
  intervalSeconds: number
  late: boolean
}

export interface Readiness {
  ready: boolean
  store: 'ok' | string
  role: 'leader' | 'standby'
  connectors: ConnectorReadiness[]
}

/** Seconds between two consecutive runs of a cron schedule (the next two fire times). */
export function scheduleIntervalSeconds(expr: string): number {
  const task = cron.createTask(expr, () => {}, { name: 'readiness-probe' })
  try {
    const [a, b] = task.getNextRuns(2)
    return a && b ? (b.getTime() - a.getTime()) / 1000 : 3600
  } finally {
    void task.destroy()
  }
}

/**
 * Ready when the store answers and no connector is late: a connector is late when its last successful sync
 * is older than two of its schedule's intervals (or, never having succeeded, the daemon has run that long).
 * A standby replica is ready: it serves health and waits for the lease.
 */
export async function readiness(
  db: Db,
  config: Config,
  opts: { leader: boolean; startedAt: Date; at: Date },
): Promise<Readiness> {
  let store = 'ok'
  let last = new Map<string, Date>()
  try {
    const rows = await sql<{ connector_id: string; at: Date }>`
      select connector_id, max(finished_at) as at from sync_runs where status = 'succeeded' group by connector_id`.execute(
      db,
    )
    last = new Map(rows.rows.map((r) => [r.connector_id, new Date(r.at)]))
  } catch (e) {
    store = `unreachable: ${(e as Error).message}`
  }
  const connectors = config.connectors.filter(canSync).map((c) => {
    const interval = scheduleIntervalSeconds(c.schedule)
    const at = last.get(c.id) ?? null
    const since = at ?? opts.startedAt
    const age = (opts.at.getTime() - since.getTime()) / 1000
    return {
      id: c.id,
      lastSuccessAt: at?.toISOString() ?? null,
      ageSeconds: at ? Math.round(age) : null,
      intervalSeconds: interval,
      late: opts.leader && age > 2 * interval,
    }
  })
  return {
    ready: store === 'ok' && !connectors.some((c) => c.late),
    store,
    role: opts.leader ? 'leader' : 'standby',
    connectors,
  }
}

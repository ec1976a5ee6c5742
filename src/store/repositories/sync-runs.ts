import { sql } from 'kysely'
import type { RequestStats } from '../../connectors/http/stats.ts'
import type { Db } from '../database.ts'

export async function startSyncRun(
  db: Db,
  run: { id: string; connectorId: string; kind: string; requestedMode: string; at: Date },
): Promise<number> {
  const row = await db
    .insertInto('sync_runs')
    .values({
      id: run.id,
      connector_id: run.connectorId,
      kind: run.kind,
      requested_mode: run.requestedMode,
      status: 'running',
      started_at: run.at,
      finished_at: null,
      error: null,
    })
    .returning('seq')
    .executeTakeFirstOrThrow()
  return Number(row.seq)
}

export async function finishSyncRun(
  db: Db,
  id: string,
  status: 'succeeded' | 'failed',
  at: Date,
  error: string | null,
) {
  await db.updateTable('sync_runs').set({ status, finished_at: at, error }).where('id', '=', id).execute()
}

export async function startStreamRun(
  db: Db,
  r: { runId: string; connectorId: string; stream: string; mode: string; generation: number; at: Date },
) {
  await db
    .insertInto('stream_runs')
    .values({
      run_id: r.runId,
      connector_id: r.connectorId,
      stream: r.stream,
      mode: r.mode,
      status: 'running',
      generation: String(r.generation),
      started_at: r.at,
      finished_at: null,
      records: 0,
      removed: 0,
      invalid: 0,
      requests: 0,
      retries: 0,
      throttled: 0,
      rate_limit_wait_ms: 0,
      bytes: 0,
      error: null,
      stats: '{}',
    })
    .execute()
}

export interface StreamRunTotals {
  records: number
  removed: number
  invalid: number
}

export async function finishStreamRun(
  db: Db,
  r: {
    runId: string
    stream: string
    mode: string
    status: 'succeeded' | 'failed'
    at: Date
    totals: StreamRunTotals
    stats: RequestStats
    error: string | null
  },
) {
  await db
    .updateTable('stream_runs')
    .set({
      status: r.status,
      mode: r.mode,
      finished_at: r.at,
      records: r.totals.records,
      removed: r.totals.removed,
      invalid: r.totals.invalid,
      requests: r.stats.requests,
      retries: r.stats.retries,
      throttled: r.stats.throttled,
      rate_limit_wait_ms: Math.round(r.stats.rateLimitWaitMs),
      bytes: r.stats.bytes,
      error: r.error,
      stats: JSON.stringify({ byEndpoint: r.stats.byEndpoint, errors: r.stats.errors }),
    })
    .where('run_id', '=', r.runId)
    .where('stream', '=', r.stream)
    .execute()
}

export interface StreamCompleteness {
  connectorId: string
  stream: string
  complete: boolean
  lastFullAt: Date | null
  lastRunAt: Date | null
  lastRunStatus: string | null
  lastSuccessAt: Date | null
  lastError: string | null
}

/**
 * A stream is complete when a full run of it has succeeded and its latest finished run succeeded: a failed
 * run makes it incomplete until the next success (DESIGN 5). A failed full run removed nothing and the
 * incremental cursor before it is still good, so a later incremental success makes the stream complete again.
 * Runs still in progress do not count either way.
 */
export async function streamCompleteness(db: Db, connectorId?: string): Promise<StreamCompleteness[]> {
  const rows = await sql<{
    connector_id: string
    stream: string
    last_full_status: string | null
    last_full_at: Date | null
    last_run_at: Date | null
    last_run_status: string | null
    last_success_at: Date | null
    last_error: string | null
  }>`
    with finished as (
      -- Runs are ordered by the sync run's sequence, not its start time: with a fixed clock (ACCORD_NOW) many
      -- runs start at the same instant.
      select sr.*, r.seq from stream_runs sr join sync_runs r on r.id = sr.run_id
      where sr.status in ('succeeded', 'failed')
        ${connectorId ? sql`and sr.connector_id = ${connectorId}` : sql``}
    ), last_full_success as (
      select distinct on (connector_id, stream) connector_id, stream, status, started_at
      from finished where mode = 'full' and status = 'succeeded' order by connector_id, stream, seq desc
    ), last_run as (
      select distinct on (connector_id, stream) connector_id, stream, status, started_at, error
      from finished order by connector_id, stream, seq desc
    )
    select s.connector_id, s.stream,
      lf.status as last_full_status, lf.started_at as last_full_at,
      lr.started_at as last_run_at, lr.status as last_run_status,
      (select max(f.finished_at) from finished f where f.connector_id = s.connector_id and f.stream = s.stream
         and f.status = 'succeeded') as last_success_at,
      (select f.error from finished f where f.connector_id = s.connector_id and f.stream = s.stream
         and f.status = 'failed' order by f.seq desc limit 1) as last_error
    from (select distinct connector_id, stream from finished) s
    left join last_full_success lf on lf.connector_id = s.connector_id and lf.stream = s.stream
    left join last_run lr on lr.connector_id = s.connector_id and lr.stream = s.stream
    order by s.connector_id, s.stream`.execute(db)
  return rows.rows.map((r) => ({
    connectorId: r.connector_id,
    stream: r.stream,
    complete: r.last_full_status === 'succeeded' && r.last_run_status === 'succeeded',
    lastFullAt: r.last_full_at,
    lastRunAt: r.last_run_at,
    lastRunStatus: r.last_run_status,
    lastSuccessAt: r.last_success_at,
    lastError: r.last_error,
  }))
}

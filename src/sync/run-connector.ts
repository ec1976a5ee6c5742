import { randomUUID } from 'node:crypto'
import type { ConnectorConfig } from '../config/schema.ts'
import { addStats, emptyStats, type RequestStats } from '../connectors/http/stats.ts'
import { connectorFor } from '../connectors/registry.ts'
import type { StreamSpec, SyncContext } from '../connectors/types.ts'
import { now } from '../core/clock.ts'
import type { Logger } from '../core/logger.ts'
import { redact } from '../core/redact.ts'
import type { Db } from '../store/database.ts'
import { finishSyncRun, startSyncRun } from '../store/repositories/sync-runs.ts'
import { DbStreamWriter } from './stream-writer.ts'

export interface SyncProgress {
  connectorId: string
  stream: string
  mode: 'full' | 'incremental'
  records: number
  requests: number
  throttled: number
  rateLimitWaitMs: number
}

export interface SyncOptions {
  full?: boolean
  logger: Logger
  signal?: AbortSignal
  /** Called after each committed page of any stream. */
  onProgress?: (p: SyncProgress) => void
}

export interface StreamOutcome {
  stream: string
  mode: 'full' | 'incremental'
  status: 'succeeded' | 'failed'
  records: number
  removed: number
  invalid: number
  stats: RequestStats
}

export interface SyncOutcome {
  runId: string
  connectorId: string
  status: 'succeeded' | 'failed'
  error: string | null
  streams: StreamOutcome[]
  stats: RequestStats
  durationMs: number
}

/** Ticket and entitlement streams of a connector, whichever it has. */
export function streamsOf(config: ConnectorConfig): readonly StreamSpec[] {
  const c = connectorFor(config.kind)
  return [...(c?.entitlementSource?.streams ?? []), ...(c?.ticketSource?.streams ?? [])]
}

/** Whether the connector reads anything (identity provider or ticket source). */
export function canSync(config: ConnectorConfig): boolean {
  const c = connectorFor(config.kind)
  return Boolean(c?.entitlementSource || (c?.ticketSource && 'tickets' in config && config.tickets))
}

/**
 * One sync run of one connector. The unit of work a job queue would claim: inputs from config and store,
 * output only to the store. A failure leaves every stream it touched incomplete until the next success, and
 * removes nothing.
 */
export async function runConnectorSync(
  db: Db,
  config: ConnectorConfig,
  opts: SyncOptions,
): Promise<SyncOutcome> {
  const connector = connectorFor(config.kind)
  if (!connector) throw new Error(`no connector for kind ${config.kind}`)
  const started = performance.now()
  const runId = randomUUID()
  const logger = opts.logger.child({ connector: config.id, runId })
  const seq = await startSyncRun(db, {
    id: runId,
    connectorId: config.id,
    kind: config.kind,
    requestedMode: opts.full ? 'full' : 'auto',
    at: now(),
  })
  const specs = new Map(streamsOf(config).map((s) => [s.name, s]))
  const writers: DbStreamWriter[] = []
  const signal = opts.signal ?? new AbortController().signal
  const ctx: SyncContext<typeof config> = {
    config,
    logger,
    signal,
    db,
    now: now(),
    openStream: async (name) => {
      const spec = specs.get(name)
      if (!spec) throw new Error(`connector ${config.kind} opened undeclared stream ${name}`)
      const w = await DbStreamWriter.open(
        {
          db,
          runId,
          seq,
          connectorId: config.id,
          forceFull: Boolean(opts.full),
          maxInvalidShare: config.maxInvalidShare,
          logger,
        },
        spec,
      )
      writers.push(w)
      return w
    },
  }
  let error: string | null = null
  try {
    const sources = [
      connector.entitlementSource,
      'tickets' in config && config.tickets ? connector.ticketSource : undefined,
    ]
    for (const source of sources) {
      if (source) await source.sync(ctx as never)
      signal.throwIfAborted()
    }
    const unfinished = writers.filter((w) => !w.done).map((w) => w.stream)
    if (unfinished.length) throw new Error(`streams not completed: ${unfinished.join(', ')}`)
  } catch (e) {
    error = redact(e instanceof Error ? e.message : String(e))
    logger.error(
      { err: e },
      'sync failed; nothing is removed and the streams stay incomplete until the next success',
    )
  }
  for (const w of writers) if (!w.done) await w.fail(error ?? 'run aborted')
  await finishSyncRun(db, runId, error ? 'failed' : 'succeeded', now(), error)
  const stats = emptyStats()
  for (const w of writers) addStats(stats, w.stats)
  return {
    runId,
    connectorId: config.id,
    status: error ? 'failed' : 'succeeded',
    error,
    streams: writers.map((w) => ({
      stream: w.stream,
      mode: w.mode,
      status: w.status === 'succeeded' ? 'succeeded' : 'failed',
      ...w.totals,
      stats: w.stats,
    })),
    stats,
    durationMs: performance.now() - started,
  }
}

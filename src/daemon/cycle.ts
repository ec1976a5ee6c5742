import { dirname } from 'node:path'
import type { Loaded } from '../config/load.ts'
import type { Policy } from '../config/policy.ts'
import type { Config } from '../config/schema.ts'
import type { Logger } from '../core/logger.ts'
import { type ExportRunResult, runExports } from '../delivery/export/run-exports.ts'
import { type DeliverReport, deliver } from '../delivery/outbox/deliver.ts'
import { enqueueRaise } from '../delivery/outbox/enqueue.ts'
import { type ReconcileSummary, reconcile } from '../reconciler/reconcile.ts'
import type { Store } from '../store/open.ts'
import { canSync, runConnectorSync, type SyncOutcome, type SyncProgress } from '../sync/run-connector.ts'

export interface CycleInputs {
  config: Loaded<Config>
  policy: Loaded<Policy>
  store: Store
  logger: Logger
}

export interface CycleOptions {
  full?: boolean
  signal?: AbortSignal
  /** Called as each connector's sync finishes (progress output). */
  onSync?: (outcome: SyncOutcome) => void
  /** Called after each committed page (progress output). */
  onProgress?: (p: SyncProgress) => void
}

export interface CycleReport {
  syncs: SyncOutcome[]
  reconcile: ReconcileSummary | null
  deliver: DeliverReport | null
  exports: ExportRunResult[]
  failed: boolean
}

/** Syncs every connector that reads something; connectors run side by side, each paced by its own vendor. */
export async function syncAll(inputs: CycleInputs, opts: CycleOptions): Promise<SyncOutcome[]> {
  const targets = inputs.config.value.connectors.filter(canSync)
  return Promise.all(
    targets.map(async (c) => {
      const outcome = await runConnectorSync(inputs.store.db, c, {
        full: opts.full,
        logger: inputs.logger,
        signal: opts.signal,
      })
      opts.onSync?.(outcome)
      return outcome
    }),
  )
}

/** Reconciles, queueing raised-ticket work in the same transaction as the finding events. */
export function reconcileNow(inputs: CycleInputs): Promise<ReconcileSummary> {
  const raise = inputs.config.value.raise
  return reconcile(inputs.store.db, {
    config: inputs.config.value,
    policy: inputs.policy.value,
    logger: inputs.logger,
    onEvents: raise ? async (trx, events) => void (await enqueueRaise(trx, events, raise)) : undefined,
  })
}

export function deliverNow(inputs: CycleInputs, signal?: AbortSignal): Promise<DeliverReport> {
  return deliver(inputs.store.db, inputs.config.value, {
    logger: inputs.logger,
    signal,
    storeKind: inputs.store.kind,
  })
}

export function exportNow(inputs: CycleInputs, signal?: AbortSignal): Promise<ExportRunResult[]> {
  return runExports(inputs.store.db, inputs.config.value, {
    logger: inputs.logger,
    signal,
    baseDir: dirname(inputs.config.file),
  })
}

/**
 * One whole cycle: sync all, reconcile, deliver, export. Reconcile runs even when a sync failed: findings that
 * depend on the failed source are held back (neither opened nor resolved), the rest move on.
 */
export async function runCycle(inputs: CycleInputs, opts: CycleOptions = {}): Promise<CycleReport> {
  const syncs = await syncAll(inputs, opts)
  opts.signal?.throwIfAborted()
  const summary = await reconcileNow(inputs)
  opts.signal?.throwIfAborted()
  const delivered = inputs.config.value.raise ? await deliverNow(inputs, opts.signal) : null
  const exports = inputs.config.value.exports.length ? await exportNow(inputs, opts.signal) : []
  const failed =
    syncs.some((s) => s.status === 'failed') ||
    exports.some((e) => e.error !== null) ||
    Boolean(delivered && (delivered.dead.length > 0 || delivered.retrying.length > 0))
  return { syncs, reconcile: summary, deliver: delivered, exports, failed }
}

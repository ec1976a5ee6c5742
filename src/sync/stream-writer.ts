import type { Kysely } from 'kysely'
import { emptyStats, type RequestStats } from '../connectors/http/stats.ts'
import type { StreamSpec, StreamWriter, SyncBatch, SyncMode } from '../connectors/types.ts'
import { now } from '../core/clock.ts'
import type { Logger } from '../core/logger.ts'
import type { Database, Db } from '../store/database.ts'
import { markCredentialsRemoved, upsertCredentials } from '../store/repositories/credentials.ts'
import { getCursor, saveCursor } from '../store/repositories/cursors.ts'
import { markEntitlementsRemoved, upsertEntitlements } from '../store/repositories/entitlements.ts'
import { markGrantsRemoved, removeUnseenInScope, upsertGrants } from '../store/repositories/grants.ts'
import { markIdentitiesRemoved, upsertIdentities } from '../store/repositories/identities.ts'
import { finishStreamRun, startStreamRun } from '../store/repositories/sync-runs.ts'
import { removeUnseen } from '../store/repositories/synced.ts'
import { markTicketsRemoved, upsertTickets } from '../store/repositories/tickets.ts'

export interface WriterRun {
  db: Db
  runId: string
  /** The run's sequence number: the generation of rows it sees, unless it resumes a full listing. */
  seq: number
  connectorId: string
  forceFull: boolean
  maxInvalidShare: number
  logger: Logger
  /** Called after each committed batch (progress output). */
  onBatch?: (w: DbStreamWriter) => void
}

export class InvalidShareError extends Error {
  override name = 'InvalidShareError'
}

/**
 * Writes one stream of one sync run: each batch with its checkpoint in one transaction, so a killed run
 * resumes from its last committed batch; unseen records are removed only when a full listing completes.
 */
export class DbStreamWriter implements StreamWriter {
  readonly stream: string
  readonly stats: RequestStats = emptyStats()
  mode: SyncMode
  resumeFrom: unknown
  #generation: number
  #done = false
  #status: 'running' | 'succeeded' | 'failed' = 'running'
  #totals = { records: 0, removed: 0, invalid: 0 }
  readonly #run: WriterRun
  readonly #spec: StreamSpec

  private constructor(
    run: WriterRun,
    spec: StreamSpec,
    mode: SyncMode,
    generation: number,
    resumeFrom: unknown,
  ) {
    this.#run = run
    this.#spec = spec
    this.stream = spec.name
    this.mode = mode
    this.#generation = generation
    this.resumeFrom = resumeFrom
  }

  static async open(run: WriterRun, spec: StreamSpec): Promise<DbStreamWriter> {
    const cursor = await getCursor(run.db, run.connectorId, spec.name)
    let writer: DbStreamWriter
    if (cursor?.mode === 'full' && cursor.generation !== undefined) {
      // An interrupted full listing: carry on from its checkpoint, with its generation.
      writer = new DbStreamWriter(run, spec, 'full', cursor.generation, cursor.position)
      run.logger.info({ stream: spec.name }, 'resuming an interrupted full listing from its last checkpoint')
    } else if (!cursor || run.forceFull) {
      writer = new DbStreamWriter(run, spec, 'full', run.seq, null)
    } else {
      writer = new DbStreamWriter(run, spec, 'incremental', run.seq, cursor.position)
    }
    await startStreamRun(run.db, {
      runId: run.runId,
      connectorId: run.connectorId,
      stream: spec.name,
      mode: writer.mode,
      generation: writer.#generation,
      at: now(),
    })
    return writer
  }

  get done(): boolean {
    return this.#done
  }

  get status(): 'running' | 'succeeded' | 'failed' {
    return this.#status
  }

  async write(batch: SyncBatch): Promise<void> {
    this.#assertOpen()
    const { connectorId: source } = this.#run
    const at = now()
    const seen = { stream: this.stream, generation: this.#generation, at }
    await this.#run.db.transaction().execute(async (trx) => {
      const db = trx as unknown as Kysely<unknown>
      if (batch.identities?.length)
        await upsertIdentities(
          db,
          batch.identities.map((r) => ({ ...r, source })),
          seen,
        )
      if (batch.entitlements?.length)
        await upsertEntitlements(
          db,
          batch.entitlements.map((r) => ({ ...r, source })),
          seen,
        )
      if (batch.grants?.length)
        await upsertGrants(
          db,
          batch.grants.map((r) => ({ ...r, source })),
          seen,
        )
      if (batch.credentials?.length)
        await upsertCredentials(
          db,
          batch.credentials.map((r) => ({ ...r, source })),
          seen,
        )
      if (batch.tickets?.length)
        await upsertTickets(
          db,
          batch.tickets.map((r) => ({ ...r, source })),
          seen,
        )
      const rm = batch.removed
      let removed = 0
      if (rm) {
        removed += await markIdentitiesRemoved(db, source, rm.identities ?? [], at)
        removed += await markEntitlementsRemoved(db, source, rm.entitlements ?? [], at)
        removed += await markGrantsRemoved(db, source, rm.grants ?? [], at)
        removed += await markCredentialsRemoved(db, source, rm.credentials ?? [], at)
        removed += await markTicketsRemoved(db, source, rm.tickets ?? [], at)
      }
      // A re-listed scope with a record that failed validation is not a complete listing of that scope.
      if (!batch.invalid?.length) {
        for (const scope of batch.completeGrantScopes ?? []) {
          removed += await removeUnseenInScope(db, source, this.stream, scope, this.#generation, at)
        }
      }
      if (batch.checkpoint !== undefined) {
        await saveCursor(trx as Kysely<Database>, {
          connectorId: source,
          stream: this.stream,
          cursor:
            this.mode === 'full'
              ? { mode: 'full', generation: this.#generation, position: batch.checkpoint }
              : { mode: 'incremental', position: batch.checkpoint },
          runId: this.#run.runId,
          at,
        })
      }
      this.#totals.removed += removed
    })
    this.#totals.records +=
      (batch.identities?.length ?? 0) +
      (batch.entitlements?.length ?? 0) +
      (batch.grants?.length ?? 0) +
      (batch.credentials?.length ?? 0) +
      (batch.tickets?.length ?? 0)
    for (const bad of batch.invalid ?? []) {
      this.#totals.invalid++
      this.#run.logger.warn(
        { stream: this.stream, record: bad.id, reason: bad.reason },
        'record failed validation',
      )
    }
  }

  async restartFull(reason: string): Promise<void> {
    this.#assertOpen()
    this.#run.logger.warn(
      { stream: this.stream, reason },
      'incremental cursor refused: falling back to a full resync',
    )
    this.mode = 'full'
    this.#generation = this.#run.seq
    this.resumeFrom = null
  }

  async complete(checkpoint?: unknown): Promise<void> {
    this.#assertOpen()
    const seen = this.#totals.records + this.#totals.invalid
    if (this.#totals.invalid > 0 && this.#totals.invalid > seen * this.#run.maxInvalidShare) {
      throw new InvalidShareError(
        `${this.#totals.invalid} of ${seen} ${this.stream} records failed validation (more than ${this.#run.maxInvalidShare * 100}%)`,
      )
    }
    const at = now()
    const source = this.#run.connectorId
    // A record that failed validation was not seen, but it is still there at the vendor: a listing that could
    // not read every record removes nothing (the next clean listing does), or the record's row would be removed
    // and its findings resolved by a vendor's bad data.
    const removing = this.mode === 'full' && this.#totals.invalid === 0
    if (this.mode === 'full' && !removing) {
      this.#run.logger.warn(
        { stream: this.stream, invalid: this.#totals.invalid },
        'full listing had records that failed validation: nothing removed this run',
      )
    }
    await this.#run.db.transaction().execute(async (trx) => {
      if (removing) {
        for (const table of this.#spec.tables) {
          this.#totals.removed += await removeUnseen(
            trx as unknown as Kysely<unknown>,
            table,
            source,
            this.stream,
            this.#generation,
            at,
          )
        }
      }
      await saveCursor(trx, {
        connectorId: source,
        stream: this.stream,
        cursor: { mode: 'incremental', position: checkpoint ?? null },
        runId: this.#run.runId,
        at,
      })
      await finishStreamRun(trx, {
        runId: this.#run.runId,
        stream: this.stream,
        mode: this.mode,
        status: 'succeeded',
        at,
        totals: this.#totals,
        stats: this.stats,
        error: null,
      })
    })
    this.#done = true
    this.#status = 'succeeded'
  }

  async fail(error: string): Promise<void> {
    if (this.#done) return
    this.#done = true
    this.#status = 'failed'
    await finishStreamRun(this.#run.db, {
      runId: this.#run.runId,
      stream: this.stream,
      mode: this.mode,
      status: 'failed',
      at: now(),
      totals: this.#totals,
      stats: this.stats,
      error,
    })
  }

  get totals() {
    return { ...this.#totals }
  }

  #assertOpen() {
    if (this.#done) throw new Error(`stream ${this.stream} is already finished`)
  }
}

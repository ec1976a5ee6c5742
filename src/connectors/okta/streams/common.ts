/**
 * What the Okta streams share: one run's client and context, serialised writes, and de-duplication of a
 * batch (a bulk upsert may not touch one row twice, and Okta can list a record on two pages when it changes
 * mid-listing).
 */
import { grantKey } from '../../../model/grant.ts'
import { batchRows, mergeBatches } from '../../batch.ts'
import type { StreamWriter, SyncBatch, SyncContext } from '../../types.ts'
import type { OktaClient } from '../client.ts'
import type { OktaConfig } from '../config.ts'

export interface OktaRun {
  ctx: SyncContext<OktaConfig>
  client: OktaClient
  /** Rows gathered before a write (see bufferedWriter). */
  bufferRows: number
}

/** Rows gathered before a write: one transaction per few thousand rows, not per page of 100. */
export const BUFFER_ROWS = 5_000

/** A few pages' worth, at most BUFFER_ROWS: with small configured pages, checkpoints stay a few pages apart. */
export function bufferRowsFor(config: Pick<OktaConfig, 'pageSize'>): number {
  return Math.min(BUFFER_ROWS, (config.pageSize ?? BUFFER_ROWS) * 5)
}

/** Re-listing since a watermark starts this much earlier: Okta's clocks and eventual consistency. */
export const WATERMARK_OVERLAP_MS = 2 * 60_000

/** Okta's filter/search timestamp literal. */
export function oktaTime(d: Date): string {
  return d.toISOString()
}

export function sinceWatermark(watermark: string): string {
  return oktaTime(new Date(Date.parse(watermark) - WATERMARK_OVERLAP_MS))
}

export function laterOf(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b
  if (!b) return a
  return Date.parse(a) >= Date.parse(b) ? a : b
}

function dedupeBy<T>(rows: T[] | undefined, key: (r: T) => string): T[] | undefined {
  if (!rows || rows.length < 2) return rows
  const m = new Map<string, T>()
  for (const r of rows) m.set(key(r), r)
  return m.size === rows.length ? rows : [...m.values()]
}

/** The last sighting of a record in a batch wins. */
export function dedupeBatch(b: SyncBatch): SyncBatch {
  return {
    ...b,
    identities: dedupeBy(b.identities, (r) => r.externalId),
    entitlements: dedupeBy(b.entitlements, (r) => r.externalId),
    grants: dedupeBy(b.grants, (r) => grantKey({ source: '', ...r })),
    credentials: dedupeBy(b.credentials, (r) => `${r.identityId}|${r.keyId}`),
  }
}

/** Rows per transaction when waiting batches are merged: big enough to amortise a commit, small enough for memory. */
const MERGE_MAX_ROWS = 5_000

const mergeable = (b: SyncBatch) => !b.removed && !b.tickets?.length

/**
 * Writes of one stream one after another, in call order: concurrent listings (several groups at once) must
 * not run transactions side by side on one store, and a checkpoint must never overtake the batch before it.
 * Batches that arrive while a write is in progress wait and then go together in one transaction (many small
 * groups would otherwise cost a commit each).
 */
export function serialWriter(w: StreamWriter): (b: SyncBatch) => Promise<void> {
  const waiting: { batch: SyncBatch; done: (e?: unknown) => void }[] = []
  let running = false
  let failed: unknown

  const drain = async () => {
    running = true
    while (waiting.length) {
      const group = [waiting.shift()!]
      let batch = group[0]!.batch
      while (
        waiting.length &&
        mergeable(batch) &&
        mergeable(waiting[0]!.batch) &&
        batchRows(batch) + batchRows(waiting[0]!.batch) <= MERGE_MAX_ROWS
      ) {
        const next = waiting.shift()!
        group.push(next)
        batch = mergeBatches(batch, next.batch)
      }
      try {
        // After a failed write nothing later may commit: its checkpoint could claim the failed batch as done.
        if (failed !== undefined) throw failed
        await w.write(dedupeBatch(batch))
        for (const g of group) g.done()
      } catch (e) {
        failed ??= e
        for (const g of group) g.done(e)
      }
    }
    running = false
  }

  return (batch) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ batch, done: (e) => (e === undefined ? resolve() : reject(e)) })
      if (!running) void drain()
    })
}

/**
 * The stream's writes, gathered: pages are merged into one batch until it holds a few thousand rows, then
 * written with the last checkpoint among them (a killed run redoes at most that much). One gathered batch is
 * written while the next one fills, so the store and the vendor work at the same time; a full buffer waits for
 * the write before it (memory stays at two batches). A batch with explicit removals goes alone, after what was
 * gathered before it. `complete` writes what is left first. A failed write fails every later call.
 */
export function bufferedWriter(
  w: StreamWriter,
  maxRows = BUFFER_ROWS,
): {
  write: (b: SyncBatch) => Promise<void>
  complete: (checkpoint?: unknown) => Promise<void>
} {
  const serial = serialWriter(w)
  let buffer: SyncBatch | undefined
  let inflight: Promise<void> | undefined
  let failure: unknown
  const check = () => {
    if (failure !== undefined) throw failure
  }
  const send = (b: SyncBatch) => {
    const p: Promise<void> = serial(b).then(
      () => {
        if (inflight === p) inflight = undefined
      },
      (e) => {
        failure ??= e
        if (inflight === p) inflight = undefined
      },
    )
    inflight = p
  }
  const drain = async () => {
    if (buffer) {
      const b = buffer
      buffer = undefined
      send(b)
    }
    while (inflight) await inflight
    check()
  }
  return {
    write: async (b) => {
      check()
      if (!mergeable(b)) {
        await drain()
        await serial(b)
        return
      }
      buffer = buffer ? mergeBatches(buffer, b) : b
      while (buffer && batchRows(buffer) >= maxRows) {
        if (inflight) {
          await inflight
          check()
          continue
        }
        const full = buffer
        buffer = undefined
        send(full)
      }
    },
    complete: async (checkpoint) => {
      await drain()
      await w.complete(checkpoint)
    },
  }
}

/** Runs `fn` over `items` with at most `n` at once; the first failure stops new work and is thrown. */
export async function eachConcurrent<T>(
  items: readonly T[],
  n: number,
  signal: AbortSignal,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let i = 0
  let failed: unknown
  const worker = async () => {
    while (i < items.length && failed === undefined) {
      signal.throwIfAborted()
      const item = items[i++]!
      try {
        await fn(item)
      } catch (e) {
        failed ??= e
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker))
  if (failed !== undefined) throw failed
}

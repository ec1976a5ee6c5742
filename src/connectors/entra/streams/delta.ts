import { batchRows, mergeBatches } from '../../batch.ts'
import type { RequestOptions } from '../../http/client.ts'
import { ahead, odataPages } from '../../http/paging.ts'
import type { StreamWriter, SyncBatch } from '../../types.ts'
import { cursorLink, cursorRefused, type EntraRun } from './common.ts'

export interface DeltaStream {
  name: string
  /** The first request of a full round, e.g. `/users/delta` with its `$select`. */
  path: string
  params: RequestOptions['params']
  /** Turns one page of delta items into one batch (records, removals, invalid ones). */
  toBatch(items: unknown[], w: StreamWriter): Promise<SyncBatch>
}

/**
 * Runs one Graph delta stream. A full run walks a first round (no token) to its deltaLink; an incremental run
 * calls the stored deltaLink. Each page is written with the link that follows it, so a killed run resumes
 * from its last committed page (a skiptoken), and a finished one stores the deltaLink for next time. When
 * Graph refuses a stored link (410, an expired or unknown token), the stream falls back to a full round and
 * says so.
 */
export async function runDeltaStream(run: EntraRun, spec: DeltaStream): Promise<void> {
  const w = await run.ctx.openStream(spec.name)
  let start = cursorLink(w.resumeFrom)
  if (w.mode === 'incremental' && !start) {
    await w.restartFull('no delta link stored')
  }
  for (;;) {
    let pages = 0
    let deltaLink: string | undefined
    try {
      const from = start ?? run.graph.http.url(spec.path, spec.params)
      let pending: SyncBatch | undefined
      for await (const page of ahead(
        odataPages(run.graph.http, from, { stats: w.stats, signal: run.signal }),
      )) {
        pages++
        const next = page.nextLink ?? page.deltaLink
        const batch: SyncBatch = {
          ...(await spec.toBatch(page.items, w)),
          checkpoint: next ? { link: next } : undefined,
        }
        deltaLink = page.deltaLink
        if (pending && (hasRemovals(batch) || hasRemovals(pending))) {
          await w.write(pending)
          pending = undefined
        }
        pending = pending ? mergeBatches(pending, batch) : batch
        // Pages are committed together up to `deltaCommitRecords` (each write is a transaction); only pages
        // without removals are merged, so an add and a removal of the same grant keep their order.
        if (batchRows(pending) >= run.ctx.config.deltaCommitRecords || hasRemovals(pending)) {
          await w.write(pending)
          pending = undefined
        }
      }
      if (pending) await w.write(pending)
    } catch (e) {
      const refused = start && pages === 0 ? cursorRefused(e) : undefined
      if (refused) {
        await w.restartFull(refused)
        start = undefined
        continue
      }
      throw e
    }
    if (!deltaLink) throw new Error(`${spec.name}: the delta round ended without an @odata.deltaLink`)
    await w.complete({ link: deltaLink })
    return
  }
}

function hasRemovals(b: SyncBatch): boolean {
  return Boolean(b.removed || b.completeGrantScopes?.length)
}

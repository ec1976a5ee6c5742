import { nowMs } from '../../../core/clock.ts'
import type { Logger } from '../../../core/logger.ts'
import type { Db } from '../../../store/database.ts'
import { HttpError } from '../../http/errors.ts'
import type { StreamWriter, SyncContext } from '../../types.ts'
import type { GraphClient } from '../client.ts'
import type { EntraConfig } from '../config.ts'

export interface EntraRun {
  ctx: SyncContext<EntraConfig>
  graph: GraphClient
  logger: Logger
  signal: AbortSignal
}

/** Cursors are `{ link }`: a nextLink mid-listing, the deltaLink (or the start of a listing) after it. */
export interface LinkCursor {
  link: string
}

export function cursorLink(resumeFrom: unknown): string | undefined {
  if (resumeFrom && typeof resumeFrom === 'object' && typeof (resumeFrom as LinkCursor).link === 'string') {
    return (resumeFrom as LinkCursor).link
  }
  return undefined
}

const RESYNC_CODES = new Set(['resyncRequired', 'syncStateNotFound', 'syncStateInvalid'])

/**
 * Whether Graph refused a stored cursor: 410 Gone (resync), an expired or unknown token. Only meaningful on the
 * first request of a resumed cursor; later in a listing a 4xx is an ordinary failure.
 */
export function cursorRefused(e: unknown): string | undefined {
  if (!(e instanceof HttpError) || e.status === undefined) return undefined
  if (e.status === 410) return `Graph answered 410 ${e.vendorCode ?? 'Gone'}: full resync required`
  if (e.vendorCode && RESYNC_CODES.has(e.vendorCode)) return `Graph refused the delta token (${e.vendorCode})`
  if (e.status === 400 || e.status === 404)
    return `Graph refused the stored cursor (${e.status} ${e.vendorCode ?? ''})`.trim()
  return undefined
}

/** Of these ids, the ones that are groups of this source (for role assignments, which do not say). */
export async function knownGroupIds(db: Db, source: string, ids: readonly string[]): Promise<Set<string>> {
  if (!ids.length) return new Set()
  const rows = await db
    .selectFrom('entitlements')
    .select('external_id')
    .where('source', '=', source)
    .where('type', '=', 'group')
    .where('external_id', 'in', [...ids])
    .execute()
  return new Set(rows.map((r) => r.external_id))
}

/** A listing stream's cursor once complete: when the listing started (the clock's time, ISO). */
export interface ListedCursor {
  listedAt: string
}

export function listedCursor(): ListedCursor {
  return { listedAt: new Date(nowMs()).toISOString() }
}

/**
 * Opens a stream whose listing has no incremental form. A full run lists it; an incremental run lists it whole
 * too, unless its last listing is younger than `relistMinutes`: then the stream completes at once with the
 * cursor it had (no request, nothing written or removed) and `undefined` is returned.
 */
export async function openListingStream(run: EntraRun, name: string): Promise<StreamWriter | undefined> {
  const w = await run.ctx.openStream(name)
  if (w.mode !== 'incremental') return w
  const last = (w.resumeFrom as Partial<ListedCursor> | null)?.listedAt
  const age = last ? nowMs() - Date.parse(last) : Number.POSITIVE_INFINITY
  const maxAge = run.ctx.config.relistMinutes * 60_000
  if (maxAge > 0 && age >= 0 && age < maxAge) {
    run.logger.info(
      { stream: name, listedAt: last },
      'listed recently: not re-listed in this incremental run',
    )
    await w.complete(w.resumeFrom)
    return undefined
  }
  await w.restartFull(
    `Graph offers no delta for ${name}: re-listed whole (last listing ${last ?? 'unknown'})`,
  )
  return w
}

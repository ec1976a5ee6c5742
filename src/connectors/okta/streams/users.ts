/**
 * Users -> identities. A full listing uses `search` over every status, because the plain listing leaves out
 * DEPROVISIONED users and an auditor needs exactly those. Incremental runs use `filter` on `lastUpdated`
 * (filter reads the most up-to-date data; search is eventually consistent) from the highest `lastUpdated` seen,
 * less an overlap, and then read the System Log for users Okta deleted (a deleted user is in no listing, so only
 * the log can say it is gone before the next full run). Each page is written with the cursor after it.
 */
import { parseRecords } from '../../http/validate.ts'
import { OktaUser } from '../schema.ts'
import { toIdentity } from '../transform.ts'
import { bufferedWriter, laterOf, type OktaRun, sinceWatermark } from './common.ts'
import { type LogCursor, pollLog, succeeded, targetsOf } from './log.ts'

export const USER_LOG_EVENTS = ['user.lifecycle.delete.completed'] as const

/**
 * Every user whatever its status: a condition on `lastUpdated` (which every user has) rather than a list of the
 * statuses we know, so a status Okta adds later is listed and fails validation visibly instead of going unseen.
 */
export const ALL_USERS_SEARCH = 'lastUpdated gt "1970-01-01T00:00:00.000Z"'

interface UsersPosition {
  /** The page to fetch next; null when the listing is done. */
  next?: string | null
  /** Highest `lastUpdated` seen: the next incremental run starts from it. */
  watermark?: string
  log?: LogCursor
}

export async function syncUsers({ ctx, client, bufferRows }: OktaRun): Promise<void> {
  const w = await ctx.openStream('users')
  const { write, complete } = bufferedWriter(w, bufferRows)
  const pos = (w.resumeFrom ?? {}) as UsersPosition
  let watermark = pos.watermark
  // A full listing starts the log where it starts; an incremental run carries the cursor on.
  let log: LogCursor = pos.log ?? (w.mode === 'full' ? { since: ctx.now.toISOString() } : {})
  let start: string | undefined
  let params: Record<string, string | number> | undefined
  if (pos.next) {
    start = pos.next
  } else if (pos.next === null) {
    // The listing had finished before the run was stopped: only completion is left.
    start = undefined
  } else if (w.mode === 'incremental' && watermark) {
    start = '/api/v1/users'
    params = { filter: `lastUpdated gt "${sinceWatermark(watermark)}"`, limit: client.pageSize('users') }
  } else {
    start = '/api/v1/users'
    params = { search: ALL_USERS_SEARCH, limit: client.pageSize('users') }
  }
  if (start) {
    for await (const page of client.pages(start, { params, stats: w.stats, signal: ctx.signal })) {
      const { records, invalid } = parseRecords(page.items, OktaUser)
      for (const u of records) watermark = laterOf(watermark, u.lastUpdated)
      const position: UsersPosition = { next: page.next ?? null, watermark, log }
      await write({ identities: records.map(toIdentity), invalid, checkpoint: position })
    }
  }
  if (w.mode === 'incremental' && (log.next || log.since)) {
    for await (const page of pollLog(client, log, USER_LOG_EVENTS, { stats: w.stats, signal: ctx.signal })) {
      const gone = page.events.filter(succeeded).flatMap((e) => targetsOf(e, 'User'))
      log = page.cursor
      await write({
        removed: { identities: gone },
        invalid: page.invalid,
        checkpoint: { next: null, watermark, log } satisfies UsersPosition,
      })
    }
  }
  await complete({ watermark, log } satisfies UsersPosition)
}

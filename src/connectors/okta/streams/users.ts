/**
 * Users -> identities. A full listing uses `search` over every status, because the plain listing leaves out
 * DEPROVISIONED users and an auditor needs exactly those. Incremental runs use `filter` on `lastUpdated`
 * (filter reads the most up-to-date data; search is eventually consistent) from the highest `lastUpdated` seen,
 * less an overlap. Each page is written with the cursor after it.
 */
import { parseRecords } from '../../http/validate.ts'
import { OKTA_USER_STATUSES, OktaUser } from '../schema.ts'
import { toIdentity } from '../transform.ts'
import { laterOf, type OktaRun, serialWriter, sinceWatermark } from './common.ts'

/** Every status, so no user is left out whatever its state. */
export const ALL_USERS_SEARCH = OKTA_USER_STATUSES.map((s) => `status eq "${s}"`).join(' or ')

interface UsersPosition {
  /** The page to fetch next; null when the listing is done. */
  next?: string | null
  /** Highest `lastUpdated` seen: the next incremental run starts from it. */
  watermark?: string
}

export async function syncUsers({ ctx, client }: OktaRun): Promise<void> {
  const w = await ctx.openStream('users')
  const write = serialWriter(w)
  const pos = (w.resumeFrom ?? {}) as UsersPosition
  let watermark = pos.watermark
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
      const position: UsersPosition = { next: page.next ?? null, watermark }
      await write({ identities: records.map(toIdentity), invalid, checkpoint: position })
    }
  }
  await w.complete({ watermark } satisfies UsersPosition)
}

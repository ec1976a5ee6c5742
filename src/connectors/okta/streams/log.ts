/**
 * System Log polling (vendor-apis.md 4.5): a request without `until`, in ascending order, filtered by the event
 * types a stream cares about. Okta filters polling requests by persistence time, so no delayed event is
 * skipped, and always answers with a `next` link; that link is the cursor, stored and polled next time. A page
 * shorter than the limit means we have caught up.
 */

import type { RequestStats } from '../../http/stats.ts'
import { parseRecords } from '../../http/validate.ts'
import type { OktaClient } from '../client.ts'
import { OktaLogEvent } from '../schema.ts'

export interface LogCursor {
  /** The `next` link of the last page read. */
  next?: string
  /** Where to start when there is no link yet: the start of the full listing the log follows. */
  since?: string
}

export interface LogPage {
  events: OktaLogEvent[]
  invalid: { id: string; reason: string }[]
  /** The cursor after this page. */
  cursor: LogCursor
}

export function eventTypeFilter(types: readonly string[]): string {
  return types.map((t) => `eventType eq "${t}"`).join(' or ')
}

export async function* pollLog(
  client: OktaClient,
  cursor: LogCursor,
  eventTypes: readonly string[],
  opts: { stats: RequestStats; signal: AbortSignal },
): AsyncGenerator<LogPage> {
  const limit = client.pageSize('logs')
  let start: string
  let params: Record<string, string | number> | undefined
  if (cursor.next) {
    start = cursor.next
  } else {
    start = '/api/v1/logs'
    params = { filter: eventTypeFilter(eventTypes), sortOrder: 'ASCENDING', limit }
    if (cursor.since) params.since = cursor.since
  }
  let last: LogCursor = cursor
  for await (const page of client.pages(start, { params, ...opts, stopOnEmptyPage: true })) {
    const { records, invalid } = parseRecords(page.items, OktaLogEvent, (e, i) =>
      e && typeof e === 'object' && typeof (e as { uuid?: unknown }).uuid === 'string'
        ? (e as { uuid: string }).uuid
        : `#${i}`,
    )
    // A polling page always has a next link; without one, stay on the page we read (it will be re-read).
    last = { next: page.next ?? page.url }
    yield { events: records, invalid, cursor: last }
    if (page.items.length < limit) return
  }
}

/** The ids of an event's targets of one type (`User`, `UserGroup`, `AppInstance`). */
export function targetsOf(e: OktaLogEvent, type: string): string[] {
  return (e.target ?? []).filter((t) => t.type === type).map((t) => t.id)
}

export function succeeded(e: OktaLogEvent): boolean {
  return !e.outcome || e.outcome.result === 'SUCCESS'
}

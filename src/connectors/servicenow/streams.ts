import { compileTicketMap } from '../ticket-mapping/map-ticket.ts'
import { isWatermark, type Watermark, WatermarkTracker } from '../ticket-mapping/watermark.ts'
import type { StreamSpec, SyncContext } from '../types.ts'
import { createServiceNowHttp, keysetScan } from './client.ts'
import type { ServiceNowConfig } from './config.ts'
import { andEveryBranch, snDateTime } from './encoded-query.ts'
import { readApprovals, readVariables, UserCache } from './lookups.ts'
import { fieldText, refId, type SnRecordRaw } from './schema.ts'
import {
  fieldsForPaths,
  presentItem,
  SERVICENOW_DEFAULTS,
  toApprovals,
  toTicket,
  USER_REFERENCES,
} from './transform.ts'

export const SERVICENOW_STREAMS: readonly StreamSpec[] = [{ name: 'tickets', tables: ['tickets'] }]

const DEFAULT_PAGE = 500

/** Where a full listing is: the last sys_id written and when it started (its watermark for the next run). */
interface FullPosition {
  after: string | null
  startedAt: string
}

/**
 * Where an incremental run is: the watermark it started from, the last `(sys_updated_on, sys_id)` written, and
 * its own progress (highest update and rows read in the overlap), so a resumed run ends with the same cursor
 * an uninterrupted one would.
 */
interface IncrementalPosition extends Watermark {
  after?: { t: string; id: string }
  progress?: Watermark
}

type Key = { t: string; id: string }

/**
 * `javascript:gs.dateGenerate('yyyy-MM-dd','HH:mm:ss')`: the documented way to compare date-times in an encoded
 * query. Its arguments are digits built here, never data. The integration user's time zone must be UTC (see
 * docs/decisions.md), as with any date literal in a query.
 */
function snDate(iso: string): string {
  const [d, t] = snDateTime(new Date(iso)).split(' ')
  return `javascript:gs.dateGenerate('${d}','${t}')`
}

function updatedOf(row: SnRecordRaw): Date | null {
  const v = fieldText(row.sys_updated_on)
  const t = Date.parse(`${v.replace(' ', 'T')}Z`)
  return Number.isNaN(t) ? null : new Date(t)
}

/**
 * The `tickets` stream: requested items (or the configured table) with their variables, approvals and users,
 * mapped through `tickets.map`. Full runs page by sys_id; incremental runs by `(sys_updated_on, sys_id)` from the
 * watermark minus the overlap window. Every page is written with its checkpoint.
 */
export async function syncServiceNowTickets(ctx: SyncContext<ServiceNowConfig>): Promise<void> {
  const cfg = ctx.config.tickets
  if (!cfg) return
  const compiled = compileTicketMap(cfg.map, SERVICENOW_DEFAULTS)
  const { fields, variables } = fieldsForPaths(compiled.paths)
  const filter = cfg.filter.trim()
  // Refuse a sorting filter before any request (andEveryBranch throws with the reason).
  andEveryBranch(filter, 'sys_id>0')
  const writer = await ctx.openStream('tickets')
  const http = createServiceNowHttp(ctx.config, ctx.logger)
  const users = new UserCache()
  const limit = ctx.config.pageSize ?? DEFAULT_PAGE
  const req = { signal: ctx.signal, stats: writer.stats }

  let tracker: WatermarkTracker
  let query: (after: Key | null) => string
  let start: Key | null = null
  let position: (last: Key | null) => unknown
  if (writer.mode === 'incremental' && isWatermark(writer.resumeFrom)) {
    const resume = writer.resumeFrom as IncrementalPosition
    tracker = new WatermarkTracker(resume, cfg.overlap)
    const from = tracker.startFrom()!.toISOString()
    if (resume.progress && isWatermark(resume.progress)) tracker.absorb(resume.progress)
    start = resume.after ?? null
    query = (after) => {
      const order = '^ORDERBYsys_updated_on^ORDERBYsys_id'
      if (!after) return andEveryBranch(filter, `sys_updated_on>=${snDate(from)}`) + order
      // (sys_updated_on, sys_id) > (t, id), on every branch of the filter.
      return (
        andEveryBranch(filter, `sys_updated_on>${snDate(after.t)}`) +
        '^NQ' +
        andEveryBranch(filter, `sys_updated_on=${snDate(after.t)}^sys_id>${after.id}`) +
        order
      )
    }
    // A resumed run starts from the same watermark and continues after the last key it wrote.
    position = (last): IncrementalPosition => ({
      t: resume.t,
      recent: resume.recent,
      after: last ?? undefined,
      progress: tracker.value() ?? undefined,
    })
  } else {
    if (writer.mode === 'incremental') await writer.restartFull('no usable watermark from the previous run')
    const resume = writer.resumeFrom as FullPosition | null
    const startedAt = resume?.startedAt ?? ctx.now.toISOString()
    tracker = new WatermarkTracker({ t: startedAt, recent: [] }, cfg.overlap, true)
    start = resume?.after ? { t: '', id: resume.after } : null
    query = (after) =>
      andEveryBranch(filter, after ? `sys_id>${after.id}` : 'sys_idISNOTEMPTY') + '^ORDERBYsys_id'
    position = (last): FullPosition => ({ after: last?.id ?? null, startedAt })
  }
  const incremental = writer.mode === 'incremental'

  for await (const page of keysetScan<Key>(http, {
    table: cfg.table,
    fields,
    limit,
    query,
    keyOf: (r) => {
      const u = updatedOf(r)
      // The incremental key needs the update time; a full listing pages by sys_id alone.
      if (!u && incremental) throw new Error(`${cfg.table} ${r.sys_id} has no readable sys_updated_on`)
      return { t: u?.toISOString() ?? '', id: r.sys_id }
    },
    start,
    req,
  })) {
    ctx.signal.throwIfAborted()
    const rows = page.rows.filter((r) => {
      const u = updatedOf(r)
      if (!u) return true
      const unchanged = incremental && tracker.seenBefore(r.sys_id, u)
      tracker.observe(r.sys_id, u)
      return !unchanged
    })
    const ids = rows.map((r) => r.sys_id)
    const [approvalRows, vars] = ids.length
      ? await Promise.all([
          readApprovals(http, ids, req),
          variables
            ? readVariables(http, ids, req)
            : Promise.resolve(new Map<string, Record<string, string>>()),
        ])
      : [new Map(), new Map()]
    const userIds = rows.flatMap((r) => USER_REFERENCES.map((f) => refId(r[f]) ?? ''))
    for (const list of approvalRows.values()) for (const a of list) if (a.approver) userIds.push(a.approver)
    await users.load(http, userIds, req)
    const user = (id: string) => users.get(id)
    const tickets = rows.map((r) => {
      const record = presentItem(r, {
        baseUrl: ctx.config.baseUrl,
        table: cfg.table,
        user,
        variables: vars.get(r.sys_id),
      })
      return toTicket(r, compiled.apply(record), toApprovals(approvalRows.get(r.sys_id) ?? [], user), ctx.now)
    })
    await writer.write({ tickets, invalid: page.invalid, checkpoint: position(page.last) })
  }
  await writer.complete(tracker.value())
}

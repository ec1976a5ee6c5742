import { PayloadError } from '../http/errors.ts'
import { formatZodIssues, parseRecords } from '../http/validate.ts'
import { compileDate } from '../ticket-mapping/date.ts'
import { compileTicketMap } from '../ticket-mapping/map-ticket.ts'
import { isWatermark, WatermarkTracker } from '../ticket-mapping/watermark.ts'
import type { StreamSpec, SyncContext } from '../types.ts'
import { readApprovals } from './approvals.ts'
import { createJiraHttp } from './client.ts'
import type { JiraConfig } from './config.ts'
import { loadFieldCatalog, needsFieldCatalog, rewriteFieldPath, searchFields } from './fields.ts'
import { buildSearchJql, jqlDateTime } from './jql.ts'
import { JiraIssueRaw, JiraSearchPage } from './schema.ts'
import { type ApprovalEvidence, unchangedApprovals } from './stored-approvals.ts'
import { evidenceOf, JIRA_DEFAULTS, presentIssue, toTicket } from './transform.ts'

export const JIRA_STREAMS: readonly StreamSpec[] = [{ name: 'tickets', tables: ['tickets'] }]

const DEFAULT_PAGE = 100
const MINUTE = 60_000
const isoDate = compileDate(undefined)

/** A full listing's position: when it started (its watermark) and the last update time written. */
interface FullPosition {
  startedAt: string
  lastUpdated: string | null
}

function floorMinute(d: Date): Date {
  return new Date(Math.floor(d.getTime() / MINUTE) * MINUTE)
}

function updatedOf(issue: JiraIssueRaw): Date | null {
  const d = isoDate.parse(issue.fields.updated)
  return typeof d === 'string' ? null : d
}

/**
 * The `tickets` stream: `POST /rest/api/3/search/jql` with the configured JQL (parenthesised), explicit fields,
 * ordered `updated ASC, key ASC`, following `nextPageToken` until `isLast`. Incremental runs add `updated >=` the
 * watermark minus the overlap (minute precision) and skip rows already read at the same `updated`.
 */
export async function syncJiraTickets(ctx: SyncContext<JiraConfig>): Promise<void> {
  const cfg = ctx.config.tickets
  if (!cfg) return
  // Refuse a JQL with its own ORDER BY before any request.
  buildSearchJql(cfg.jql, [])
  const writer = await ctx.openStream('tickets')
  const http = createJiraHttp(ctx.config, ctx.logger)
  const req = { signal: ctx.signal, stats: writer.stats }
  let compiled = compileTicketMap(cfg.map, JIRA_DEFAULTS)
  if (needsFieldCatalog(compiled.paths)) {
    const catalog = await loadFieldCatalog(http, req)
    compiled = compileTicketMap(cfg.map, JIRA_DEFAULTS, { rewrite: (s) => rewriteFieldPath(s, catalog) })
  }
  const fields = searchFields(compiled.paths)
  const maxResults = ctx.config.pageSize ?? DEFAULT_PAGE

  let tracker: WatermarkTracker
  let from: Date | null
  let checkpoint: () => unknown
  let maxSeen: Date | null = null
  if (writer.mode === 'incremental' && isWatermark(writer.resumeFrom)) {
    tracker = new WatermarkTracker(writer.resumeFrom, cfg.overlap)
    from = tracker.startFrom()
    checkpoint = () => tracker.value()
  } else {
    if (writer.mode === 'incremental') await writer.restartFull('no usable watermark from the previous run')
    const resume = writer.resumeFrom as FullPosition | null
    const startedAt = resume?.startedAt ?? ctx.now.toISOString()
    tracker = new WatermarkTracker({ t: startedAt, recent: [] }, cfg.overlap, true)
    // A resumed full listing carries on from the last update time it wrote (rows are in `updated` order).
    from = resume?.lastUpdated ? new Date(resume.lastUpdated) : null
    checkpoint = (): FullPosition => ({
      startedAt,
      lastUpdated: maxSeen?.toISOString() ?? resume?.lastUpdated ?? null,
    })
  }
  const incremental = writer.mode === 'incremental'
  const jql = buildSearchJql(cfg.jql, from ? [`updated >= ${jqlDateTime(floorMinute(from))}`] : [])
  ctx.logger.debug({ jql }, 'searching Jira')

  let nextPageToken: string | undefined
  for (;;) {
    ctx.signal.throwIfAborted()
    const res = await http.request('/rest/api/3/search/jql', {
      method: 'POST',
      body: { jql, fields, maxResults, ...(nextPageToken ? { nextPageToken } : {}) },
      idempotent: true,
      signal: ctx.signal,
      stats: writer.stats,
    })
    const parsed = JiraSearchPage.safeParse(res.data)
    if (!parsed.success) throw new PayloadError(`Jira search: ${formatZodIssues(parsed.error)}`, res.url)
    const page = parsed.data
    const { records, invalid } = parseRecords(page.issues, JiraIssueRaw)
    const issues = records.filter((issue) => {
      const u = updatedOf(issue)
      if (!u) return true
      const unchanged = incremental && tracker.seenBefore(issue.id, u)
      tracker.observe(issue.id, u)
      if (!maxSeen || u > maxSeen) maxSeen = u
      return !unchanged
    })
    // Approvals: one request (or a few pages) per changed request, in parallel under the client's pacer;
    // issues unchanged since they were stored keep their stored approvals.
    const known = cfg.approvals
      ? await unchangedApprovals(
          ctx.db,
          ctx.config.id,
          issues.map((i) => ({ id: i.id, updated: updatedOf(i) })),
        )
      : new Map<string, ApprovalEvidence>()
    const evidence: ApprovalEvidence[] = await Promise.all(
      issues.map(
        async (i) =>
          known.get(i.id) ?? evidenceOf(cfg.approvals ? await readApprovals(http, i.key, req) : null),
      ),
    )
    const tickets = issues.map((issue, i) =>
      toTicket(
        issue,
        compiled.apply(presentIssue(issue, ctx.config.baseUrl)),
        evidence[i]!,
        cfg.statuses,
        ctx.now,
      ),
    )
    await writer.write({ tickets, invalid, checkpoint: checkpoint() })
    if (page.isLast === true || (page.isLast === undefined && !page.nextPageToken)) break
    // More pages follow but no token to ask for them: stop as a failure, so this listing removes nothing.
    if (!page.nextPageToken)
      throw new Error('Jira search said more pages follow (isLast: false) but gave no nextPageToken')
    nextPageToken = page.nextPageToken
  }
  await writer.complete(tracker.value())
}

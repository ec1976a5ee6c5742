import { json, type RequestContext, type Router } from '../core/index.ts'
import type { JiraApproval, JiraIssue, JiraUser } from '../state.ts'
import type { JiraDatabase } from './database.ts'
import { parseJiraDateTime } from './dates.ts'
import { jsmError } from './errors.ts'
import { principal } from './issues.ts'

const DEFAULT_LIMIT = 50
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** A JSM date object `{iso8601, jira, friendly, epochMillis}` for a Jira date-time string. */
export function jsmDate(text: string): Record<string, unknown> {
  const ms = parseJiraDateTime(text)
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.\d+)?(.*)$/.exec(text)
  const offset = m?.[2] || '+0000'
  const jira = m ? `${m[1]}.${String(ms % 1000).padStart(3, '0')}${offset}` : text
  const d = new Date(ms)
  const hours = d.getUTCHours() % 12 || 12
  const friendly = `${String(d.getUTCDate()).padStart(2, '0')}/${MONTHS[d.getUTCMonth()]}/${String(d.getUTCFullYear()).slice(2)} ${hours}:${String(d.getUTCMinutes()).padStart(2, '0')} ${d.getUTCHours() < 12 ? 'AM' : 'PM'}`
  return { iso8601: m ? `${m[1]}${offset}` : text, jira, friendly, epochMillis: ms }
}

function jsmUser(u: JiraUser, origin: string): Record<string, unknown> {
  const out: Record<string, unknown> = { accountId: u.accountId }
  if (u.emailAddress !== undefined) out.emailAddress = u.emailAddress
  Object.assign(out, {
    displayName: u.displayName,
    active: u.active,
    timeZone: 'UTC',
    _links: {
      jiraRest: `${origin}/rest/api/2/user?accountId=${encodeURIComponent(u.accountId)}`,
      avatarUrls: { '48x48': `${origin}/avatar/${u.accountId}.png` },
      self: `${origin}/rest/api/2/user?accountId=${encodeURIComponent(u.accountId)}`,
    },
  })
  return out
}

export function renderApproval(
  issue: JiraIssue,
  a: JiraApproval,
  origin: string,
  caller: JiraUser | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: a.id,
    name: a.name,
    finalDecision: a.finalDecision,
    canAnswerApproval:
      a.finalDecision === 'pending' &&
      a.approvers.some((x) => x.approver.accountId === caller?.accountId && x.approverDecision === 'pending'),
    approvers: a.approvers.map((x) => ({
      approver: jsmUser(x.approver, origin),
      approverDecision: x.approverDecision,
    })),
    createdDate: jsmDate(a.createdDate),
    _links: { self: `${origin}/rest/servicedeskapi/request/${issue.id}/approval/${a.id}` },
  }
  if (a.completedDate) out.completedDate = jsmDate(a.completedDate)
  return out
}

/**
 * Records an approver's decision as JSM does with its default condition (one approver decides): the approval's
 * final decision follows the first answer, and the issue's `updated` moves.
 */
export function decideApproval(
  db: JiraDatabase,
  issue: JiraIssue,
  approval: JiraApproval,
  accountId: string | undefined,
  decision: 'approved' | 'declined',
): void {
  db.write(issue, (_issue, at) => {
    for (const x of approval.approvers) {
      if (
        x.approverDecision === 'pending' &&
        (accountId === undefined || x.approver.accountId === accountId)
      ) {
        x.approverDecision = decision
      }
    }
    approval.finalDecision = decision
    approval.completedDate = at
  })
}

function intParam(ctx: RequestContext, name: string, fallback: number): number | undefined {
  const raw = ctx.query.get(name)
  if (raw === null || raw === '') return fallback
  const n = Number(raw)
  return Number.isInteger(n) && n >= 0 ? n : undefined
}

/** JSM `/rest/servicedeskapi/request/{key}/approval[/{id}]`: offset paging (`start`, `limit`, `isLastPage`). */
export function jsmApi(router: Router, db: JiraDatabase): void {
  const find = (ctx: RequestContext) => db.issue(ctx.params.key!)
  const notFound = () =>
    jsmError(
      404,
      'Request does not exist or you do not have permission to see it.',
      'sd.request.error.notfound',
    )

  router.get(
    '/rest/servicedeskapi/request/:key/approval',
    (ctx) => {
      const issue = find(ctx)
      if (!issue) return notFound()
      const start = intParam(ctx, 'start', 0)
      const limit = intParam(ctx, 'limit', DEFAULT_LIMIT)
      if (start === undefined || limit === undefined || limit === 0) {
        return jsmError(
          400,
          'The start and limit parameters must be non-negative integers.',
          'sd.pagination.invalid',
        )
      }
      const values = issue.approvals.slice(start, start + limit)
      const isLastPage = start + values.length >= issue.approvals.length
      const base = `${ctx.origin}/rest/servicedeskapi/request/${issue.id}/approval`
      const links: Record<string, string> = {
        base: ctx.origin,
        context: '',
        self: `${base}?start=${start}&limit=${limit}`,
      }
      if (!isLastPage) links.next = `${base}?start=${start + limit}&limit=${limit}`
      if (start > 0) links.prev = `${base}?start=${Math.max(0, start - limit)}&limit=${limit}`
      return json(200, {
        _expands: [],
        size: values.length,
        start,
        limit,
        isLastPage,
        _links: links,
        values: values.map((a) => renderApproval(issue, a, ctx.origin, principal(ctx))),
      })
    },
    'GET /rest/servicedeskapi/request/{key}/approval',
  )

  router.get(
    '/rest/servicedeskapi/request/:key/approval/:approvalId',
    (ctx) => {
      const issue = find(ctx)
      const a = issue?.approvals.find((x) => x.id === ctx.params.approvalId)
      if (!issue || !a) return notFound()
      return json(200, renderApproval(issue, a, ctx.origin, principal(ctx)))
    },
    'GET /rest/servicedeskapi/request/{key}/approval/{approvalId}',
  )

  router.post(
    '/rest/servicedeskapi/request/:key/approval/:approvalId',
    async (ctx) => {
      const issue = find(ctx)
      const a = issue?.approvals.find((x) => x.id === ctx.params.approvalId)
      if (!issue || !a) return notFound()
      let decision: unknown
      try {
        decision = ((await ctx.json()) as { decision?: unknown }).decision
      } catch {
        decision = undefined
      }
      if (decision !== 'approve' && decision !== 'decline') {
        return jsmError(400, "The decision must be 'approve' or 'decline'.", 'sd.approval.decision.invalid')
      }
      const me = principal(ctx)
      const mine = a.approvers.find(
        (x) => x.approver.accountId === me.accountId && x.approverDecision === 'pending',
      )
      if (a.finalDecision !== 'pending' || !mine) {
        return jsmError(403, 'You cannot answer this approval.', 'sd.approval.answer.forbidden')
      }
      decideApproval(db, issue, a, me.accountId, decision === 'approve' ? 'approved' : 'declined')
      return json(200, renderApproval(issue, a, ctx.origin, me))
    },
    'POST /rest/servicedeskapi/request/{key}/approval/{approvalId}',
  )
}

import type { ControlOperations } from '../core/index.ts'
import type { JiraIssue, JiraUser } from '../state.ts'
import type { JiraDatabase, JiraStatus } from './database.ts'
import { applyStatus, createIssue } from './issues.ts'
import { decideApproval } from './jsm.ts'

function requireString(args: object, name: string): string {
  const v = (args as Record<string, unknown>)[name]
  if (typeof v !== 'string' || v === '') throw new Error(`${name}: expected a non-empty string`)
  return v
}

interface IssueRef {
  /** Issue key or id. */
  issue: string
}

/**
 * Control operations on Jira Service Management requests: approve or reject (the JSM approval decision, plus a
 * status), fulfil, cancel, transition, create a request with approvers, edit a field. Every change stamps
 * `updated` and reaches search after the site's search delay, as real writes do. `origin()` gives the site URL
 * for rendered objects.
 */
export function jiraControl(db: JiraDatabase, origin: () => string): ControlOperations {
  const issueOf = (args: IssueRef): JiraIssue => {
    const key = requireString(args, 'issue')
    const issue = db.issue(key)
    if (!issue) throw new Error(`issue: no issue ${key}`)
    return issue
  }
  const user = (key: string): JiraUser => {
    const u =
      db.users.get(key) ?? db.tenant.users.find((x) => x.emailAddress?.toLowerCase() === key.toLowerCase())
    if (!u) throw new Error(`no user with accountId or email ${key}`)
    return u
  }
  const statusOf = (names: string[], category?: 'new' | 'indeterminate' | 'done'): JiraStatus => {
    for (const n of names) {
      const s = db.status(n)
      if (s) return s
    }
    const fallback = category && db.tenant.statuses.find((s) => s.statusCategory.key === category)
    if (!fallback) throw new Error(`status: the site has no status ${names.join(' or ')}`)
    return fallback
  }
  const move = (issue: JiraIssue, status: JiraStatus) => applyStatus(db, issue, status, origin())
  const decide = (args: IssueRef & { approver?: string }, decision: 'approved' | 'declined') => {
    const issue = issueOf(args)
    const approval = issue.approvals.find((a) => a.finalDecision === 'pending')
    if (!approval) throw new Error(`issue: ${issue.key} has no pending approval`)
    decideApproval(db, issue, approval, args.approver ? user(args.approver).accountId : undefined, decision)
    return issue
  }
  const summary = (issue: JiraIssue) => ({
    id: issue.id,
    key: issue.key,
    status: (issue.fields.status as { name?: string } | undefined)?.name,
    approvals: issue.approvals.map((a) => a.finalDecision),
    updated: issue.fields.updated,
  })

  return {
    /** `{issue, approver?, status?}`: the pending approval is approved (by that approver, else by all). */
    approve: (args: IssueRef & { approver?: string; status?: string }) => {
      const issue = decide(args, 'approved')
      if (args.status) move(issue, statusOf([args.status]))
      return summary(issue)
    },
    /** `{issue, approver?, status?}`: declined, and the request moves to Declined (or the given status). */
    reject: (args: IssueRef & { approver?: string; status?: string }) => {
      const issue = decide(args, 'declined')
      move(issue, statusOf(args.status ? [args.status] : ['Declined', 'Rejected'], 'done'))
      return summary(issue)
    },
    /** `{issue, status?}`: to Done (or the given status). */
    fulfil: (args: IssueRef & { status?: string }) => {
      const issue = issueOf(args)
      move(issue, statusOf(args.status ? [args.status] : ['Done', 'Resolved'], 'done'))
      return summary(issue)
    },
    /** `{issue, status?}`: to Canceled (or the given status). */
    cancel: (args: IssueRef & { status?: string }) => {
      const issue = issueOf(args)
      move(issue, statusOf(args.status ? [args.status] : ['Canceled', 'Cancelled', "Won't Do"], 'done'))
      return summary(issue)
    },
    /** `{issue, status}`: any status by name or id. */
    transition: (args: IssueRef & { status: string }) => {
      const issue = issueOf(args)
      move(issue, statusOf([requireString(args, 'status')]))
      return summary(issue)
    },
    /**
     * `{project, summary, issueType?, fields?, reporter?, approvers?}`: creates a request as the reporter (an
     * accountId or email), with a pending approval when approvers are named.
     */
    createTicket: (args: {
      project: string
      summary: string
      issueType?: string
      fields?: Record<string, unknown>
      reporter?: string
      approvers?: string[]
    }) => {
      const reporter = args.reporter ? user(args.reporter) : db.tenant.users[0]
      if (!reporter) throw new Error('reporter: the site has no users')
      const created = createIssue(
        db,
        {
          ...args.fields,
          project: { key: requireString(args, 'project') },
          issuetype: { name: args.issueType ?? 'Service Request' },
          summary: requireString(args, 'summary'),
        },
        reporter,
        origin(),
      )
      if ('errors' in created) throw new Error(`createTicket: ${JSON.stringify(created.errors)}`)
      const { issue } = created
      if (args.approvers && args.approvers.length > 0) {
        const approvers = args.approvers.map(user)
        db.write(issue, (i) => {
          i.approvals.push({
            id: String(i.approvals.length + 1),
            name: 'Approval',
            finalDecision: 'pending',
            approvers: approvers.map((approver) => ({ approver, approverDecision: 'pending' })),
            createdDate: String(i.fields.created),
            completedDate: null,
          })
        })
      }
      return summary(issue)
    },
    /** `{issue, field, value}`: sets a field by id or by custom field name. */
    setField: (args: IssueRef & { field: string; value: unknown }) => {
      const issue = issueOf(args)
      const name = requireString(args, 'field')
      const def = db.tenant.fields.find((f) => f.id === name || f.name.toLowerCase() === name.toLowerCase())
      const id = def?.id ?? name
      if (!def && !(id in issue.fields)) throw new Error(`field: the site has no field ${name}`)
      db.write(issue, (i) => {
        i.fields[id] = args.value
      })
      return summary(issue)
    },
  }
}

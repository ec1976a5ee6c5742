import type { Approval, Ticket, TicketState, Verdict } from '../../model/ticket.ts'
import type { ConnectorDefaults, MappedTicket } from '../ticket-mapping/map-ticket.ts'
import type { JiraConfig } from './config.ts'
import type { JiraIssueRaw, JsmApproval } from './schema.ts'

/** Jira's defaults: a minimal map names only kind, beneficiary and targets. */
export const JIRA_DEFAULTS: ConnectorDefaults = {
  key: { from: 'key' },
  url: { from: '$url' },
  requester: { from: 'fields.reporter' },
  createdAt: { from: 'fields.created' },
  updatedAt: { from: 'fields.updated' },
  closedAt: { from: 'fields.resolutiondate' },
}

/** The issue as the mapping sees it: the issue JSON plus `$url` (the issue in the browser). */
export function presentIssue(issue: JiraIssueRaw, baseUrl: string): Record<string, unknown> {
  return { ...issue, $url: `${baseUrl.replace(/\/+$/, '')}/browse/${encodeURIComponent(issue.key)}` }
}

/**
 * JSM's verdict from its approval steps: declined when any step's `finalDecision` is declined, approved when
 * every step is approved, else pending (no approval step at all is pending too: nothing approved it).
 */
export function verdictOf(approvals: readonly JsmApproval[]): Verdict {
  if (approvals.some((a) => a.finalDecision === 'declined')) return 'rejected'
  if (approvals.length > 0 && approvals.every((a) => a.finalDecision === 'approved')) return 'approved'
  return 'pending'
}

function isoOf(d: JsmApproval['completedDate']): Date | null {
  if (!d) return null
  if (typeof d.epochMillis === 'number') return new Date(d.epochMillis)
  if (d.iso8601) {
    const t = Date.parse(d.iso8601.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))
    return Number.isNaN(t) ? null : new Date(t)
  }
  return null
}

/** Every approver's decision as evidence: email when visible, else the accountId. */
export function toApprovals(approvals: readonly JsmApproval[]): Approval[] {
  return approvals.flatMap((a) =>
    a.approvers.map((x) => {
      const decision = x.approverDecision === 'declined' ? 'rejected' : x.approverDecision
      return {
        approver: (x.approver.emailAddress || x.approver.accountId).toLowerCase(),
        decision,
        decidedAt: decision === 'pending' ? null : isoOf(a.completedDate),
      }
    }),
  )
}

function nameOf(v: unknown): string | null {
  return v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string'
    ? (v as { name: string }).name
    : null
}

/**
 * The lifecycle state from the status (by name, as configured), its category and the resolution: a done
 * issue is fulfilled unless its status or resolution says rejected or cancelled; an unfinished one is approved
 * or rejected by the verdict, else open.
 */
export function stateOf(
  issue: JiraIssueRaw,
  verdict: Verdict,
  statuses: NonNullable<JiraConfig['tickets']>['statuses'],
): TicketState {
  const status = nameOf(issue.fields.status)
  const resolution = nameOf(issue.fields.resolution)
  const category = (issue.fields.status as { statusCategory?: { key?: string } } | undefined)?.statusCategory
    ?.key
  const has = (list: string[], v: string | null) =>
    v !== null && list.some((s) => s.toLowerCase() === v.toLowerCase())
  if (has(statuses.rejected, status)) return 'rejected'
  if (has(statuses.cancelled, status)) return 'cancelled'
  if (has(statuses.fulfilled, status)) return 'fulfilled'
  if (category === 'done') {
    if (has(statuses.rejected, resolution) || verdict === 'rejected') return 'rejected'
    if (has(statuses.cancelled, resolution)) return 'cancelled'
    return 'fulfilled'
  }
  if (verdict === 'rejected') return 'rejected'
  if (verdict === 'approved') return 'approved'
  return 'open'
}

/** The verdict and approver evidence of JSM approval steps (none read: pending, no evidence). */
export function evidenceOf(approvals: readonly JsmApproval[] | null): {
  verdict: Verdict
  approvals: Approval[]
} {
  return { verdict: verdictOf(approvals ?? []), approvals: toApprovals(approvals ?? []) }
}

export function toTicket(
  issue: JiraIssueRaw,
  mapped: MappedTicket,
  evidence: { verdict: Verdict; approvals: Approval[] },
  statuses: NonNullable<JiraConfig['tickets']>['statuses'],
  fallbackTime: Date,
): Omit<Ticket, 'source'> {
  const verdict = mapped.approval ?? evidence.verdict
  const updatedAt = mapped.updatedAt ?? mapped.createdAt ?? fallbackTime
  return {
    externalId: issue.id,
    key: mapped.key ?? issue.key,
    url: mapped.url,
    kind: mapped.kind,
    state: mapped.state ?? stateOf(issue, verdict, statuses),
    approval: verdict,
    // Requesters resolve to person keys, which are case-insensitive: stored lowercased like approvers.
    requester: mapped.requester?.toLowerCase() ?? null,
    beneficiary: mapped.beneficiary,
    targets: mapped.targets,
    approvals: evidence.approvals,
    justification: mapped.justification,
    expiresAt: mapped.expiresAt,
    createdAt: mapped.createdAt ?? updatedAt,
    updatedAt,
    closedAt: mapped.closedAt,
    unmappable: mapped.problems.length ? mapped.problems.join('; ') : null,
  }
}

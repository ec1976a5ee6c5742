import type { Approval, Verdict } from '../../model/ticket.ts'
import type { Db } from '../../store/database.ts'

/** A ticket's verdict and approvals, as read from JSM or as stored by an earlier run. */
export interface ApprovalEvidence {
  verdict: Verdict
  approvals: Approval[]
}

/**
 * The stored verdict and approvals of issues whose `updated` has not changed since they were stored. Answering
 * an approval updates the issue, so these need no new request: a daily full run of an unchanged desk costs one
 * search per page instead of one approvals request per issue.
 */
export async function unchangedApprovals(
  db: Db,
  source: string,
  issues: readonly { id: string; updated: Date | null }[],
): Promise<Map<string, ApprovalEvidence>> {
  const out = new Map<string, ApprovalEvidence>()
  const wanted = new Map(issues.filter((i) => i.updated).map((i) => [i.id, i.updated!.getTime()]))
  if (wanted.size === 0) return out
  const rows = await db
    .selectFrom('tickets')
    .select(['external_id', 'updated_at', 'approval'])
    .where('source', '=', source)
    .where('external_id', 'in', [...wanted.keys()])
    .where('removed_at', 'is', null)
    .execute()
  const same = rows.filter((r) => new Date(r.updated_at).getTime() === wanted.get(r.external_id))
  if (same.length === 0) return out
  for (const r of same) out.set(r.external_id, { verdict: r.approval as Verdict, approvals: [] })
  const approvals = await db
    .selectFrom('approvals')
    .select(['ticket_id', 'approver', 'decision', 'decided_at'])
    .where('source', '=', source)
    .where(
      'ticket_id',
      'in',
      same.map((r) => r.external_id),
    )
    .orderBy('ticket_id')
    .orderBy('seq')
    .execute()
  for (const a of approvals) {
    out.get(a.ticket_id)?.approvals.push({
      approver: a.approver,
      decision: a.decision as Approval['decision'],
      decidedAt: a.decided_at ? new Date(a.decided_at) : null,
    })
  }
  return out
}

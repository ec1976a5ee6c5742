import type { RunContext } from '../context.ts'
import type { GrantAnalysis } from '../coverage.ts'
import { latestCreated } from './pick.ts'
import type { GrantHit, RuleDef } from './rule.ts'

export const rule: RuleDef = {
  id: 'ACC-007',
  summary: 'Ticket rejected or cancelled; access present',
  attachesTo: 'grant',
  severity: 'high',
  ocsfType: 'rejected_but_granted',
  control: 'NIST AC-2',
  remediation:
    'Remove the access that was refused. If it is needed after all, it needs a new ticket that is approved.',
}

/** Not covered, and the subject asked for exactly this access and was refused (or withdrew). */
export function check(ctx: RunContext, a: GrantAnalysis): GrantHit | null {
  if (a.coveredBy !== 'none') return null
  const refused = a.named
    .map((st) => st.ticket)
    .filter((ti) => {
      const t = ctx.tickets[ti]!.t
      return t.kind === 'grant' && (t.state === 'rejected' || t.state === 'cancelled')
    })
  const ticket = latestCreated(ctx, refused)
  if (ticket < 0) return null
  const t = ctx.tickets[ticket]!.t
  return { ticket, why: `ticket ${t.key} asking for this access was ${t.state}, yet the grant is present` }
}

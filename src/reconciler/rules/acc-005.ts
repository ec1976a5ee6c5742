import type { RunContext } from '../context.ts'
import type { GrantAnalysis } from '../coverage.ts'
import { latestCreated } from './pick.ts'
import type { GrantHit, RuleDef } from './rule.ts'

export const rule: RuleDef = {
  id: 'ACC-005',
  summary: 'Temporary access present after its end plus the expiry grace',
  attachesTo: 'grant',
  severity: 'high',
  ocsfType: 'expired_access',
  control: 'NIST AC-2(2)',
  remediation:
    'Remove the access: the ticket that granted it has ended. If it is still needed, extend it with a new ' +
    'approved ticket.',
}

/** Not covered, and a ticket would cover it but for its end date. */
export function check(ctx: RunContext, a: GrantAnalysis): GrantHit | null {
  if (a.coveredBy !== 'none' || a.expired.length === 0) return null
  const ticket = latestCreated(ctx, a.expired)
  const t = ctx.tickets[ticket]!.t
  return {
    ticket,
    why: `ticket ${t.key} granted this access until ${new Date(t.expiresAt!).toISOString()}; it is still present`,
    facts: { expiresAt: new Date(t.expiresAt!).toISOString(), graceMs: ctx.policy.grace.expiry },
  }
}

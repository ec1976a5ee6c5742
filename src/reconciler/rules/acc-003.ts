import { RunContext } from '../context.ts'
import type { GrantAnalysis } from '../coverage.ts'
import type { GrantHit, RuleDef } from './rule.ts'

export const rule: RuleDef = {
  id: 'ACC-003',
  summary: 'Fulfilled revoke ticket; access present after the revocation grace',
  attachesTo: 'grant',
  severity: 'high',
  ocsfType: 'revoke_not_applied',
  control: 'NIST AC-2(3); SOC 2 CC6.3',
  remediation:
    'Remove the grant the revoke ticket asked to remove, then check why fulfilment closed the ticket without ' +
    'doing it. If the access is needed again, it needs a new approved grant ticket.',
}

/**
 * The subject's latest grant or revoke ticket naming this grant is a fulfilled revoke closed more than the
 * revocation grace ago, and no approved grant ticket created after it covers the access again.
 */
export function check(ctx: RunContext, a: GrantAnalysis): GrantHit | null {
  let latest = -1
  for (const st of a.named) {
    const info = ctx.tickets[st.ticket]!
    if (info.t.kind !== 'grant' && info.t.kind !== 'revoke') continue
    if (latest < 0) latest = st.ticket
    else {
      const cur = ctx.tickets[latest]!
      if (info.settledAt > cur.settledAt || (info.settledAt === cur.settledAt && info.t.key > cur.t.key))
        latest = st.ticket
    }
  }
  if (latest < 0) return null
  const rev = ctx.tickets[latest]!
  if (rev.t.kind !== 'revoke' || rev.t.state !== 'fulfilled') return null
  if (rev.settledAt >= ctx.now - ctx.policy.grace.revocation) return null
  const recovered = a.named.some((st) => {
    const t = ctx.tickets[st.ticket]!.t
    return RunContext.isApprovedGrant(t) && t.createdAt > rev.settledAt
  })
  if (recovered) return null
  return {
    ticket: latest,
    why: `revoke ticket ${rev.t.key} was fulfilled at ${new Date(rev.settledAt).toISOString()} but the grant is still present`,
    facts: { revokedAt: new Date(rev.settledAt).toISOString(), graceMs: ctx.policy.grace.revocation },
  }
}

import type { RunContext } from '../context.ts'
import type { GrantAnalysis } from '../coverage.ts'
import { latestCreated } from './pick.ts'
import type { GrantHit, RuleDef } from './rule.ts'

export const rule: RuleDef = {
  id: 'ACC-006',
  summary: 'Access provisioned before the ticket was approved',
  attachesTo: 'grant',
  severity: 'medium',
  ocsfType: 'provisioned_before_approval',
  control: 'NIST AC-2; SOC 2 CC6.2',
  remediation:
    'Review why access was provisioned before approval and tighten the fulfilment process (provision only ' +
    'from approved requests). The grant itself is now covered; nothing needs removing.',
}

/** Covered by tickets in the window, with a vendor grant time earlier than every covering ticket's approval. */
export function check(ctx: RunContext, a: GrantAnalysis): GrantHit | null {
  if (a.covering.length === 0) return null
  const granted = ctx.snap.grants.grantedAt[a.grant]!
  if (Number.isNaN(granted)) return null
  for (const ti of a.covering) {
    const at = ctx.tickets[ti]!.approvedAt
    if (at === null || at <= granted) return null
  }
  const ticket = latestCreated(ctx, a.covering)
  const info = ctx.tickets[ticket]!
  return {
    ticket,
    why: `granted at ${new Date(granted).toISOString()}, before ticket ${info.t.key} was approved at ${new Date(info.approvedAt!).toISOString()}`,
    facts: {
      grantedAt: new Date(granted).toISOString(),
      approvedAt: new Date(info.approvedAt!).toISOString(),
    },
  }
}

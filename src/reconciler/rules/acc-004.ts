import { RunContext } from '../context.ts'
import type { GrantAnalysis } from '../coverage.ts'
import { latestCreated } from './pick.ts'
import type { GrantHit, RuleDef } from './rule.ts'

export const rule: RuleDef = {
  id: 'ACC-004',
  summary: 'Access to a resource other than (or beyond) what the ticket for that resource requested',
  attachesTo: 'grant',
  severity: 'high',
  ocsfType: 'scope_mismatch',
  control: 'NIST AC-6',
  remediation:
    'Reduce the access to what the ticket requested (the entitlement it names), or raise a ticket for this ' +
    'entitlement.',
}

/** Not covered, and the subject has an approved ticket for a different entitlement of the same resource. */
export function check(ctx: RunContext, a: GrantAnalysis): GrantHit | null {
  if (a.coveredBy !== 'none') return null
  const e = ctx.snap.entitlements[a.ent]!
  if (!e.resource) return null
  const other = new Set<number>()
  for (const st of ctx.subjectTargets[a.subject] ?? []) {
    if (st.ent === a.ent || ctx.holding.gives(a.ent, st.ent)) continue
    const o = ctx.snap.entitlements[st.ent]!
    if (o.source !== e.source || o.resource !== e.resource) continue
    if (RunContext.isApprovedGrant(ctx.tickets[st.ticket]!.t)) other.add(st.ticket)
  }
  const ticket = latestCreated(ctx, other)
  if (ticket < 0) return null
  const info = ctx.tickets[ticket]!
  const asked = info.targets
    .filter((tg) => tg.ent >= 0 && ctx.snap.entitlements[tg.ent]!.resource === e.resource)
    .map((tg) => ctx.snap.entitlements[tg.ent]!.name)
  return {
    ticket,
    why: `ticket ${info.t.key} approved ${asked.join(', ')} on ${e.resource}, not ${e.name}`,
    facts: { requested: asked, resource: e.resource },
  }
}

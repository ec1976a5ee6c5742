import { RunContext, type TicketInfo, wildcard } from '../context.ts'
import type { Emit } from '../draft.ts'
import type { RuleDef } from './rule.ts'

export const rule: RuleDef = {
  id: 'ACC-002',
  summary: 'Approved, fulfilled grant ticket; access absent after the fulfilment grace',
  attachesTo: 'ticket x target',
  severity: 'medium',
  ocsfType: 'grant_not_applied',
  control: 'SOC 2 CC6.2',
  remediation:
    'Provision the access the ticket approved (or reopen the ticket and say why it was not done). Closing a ' +
    'ticket as fulfilled without doing the work breaks the audit trail.',
}

export function run(ctx: RunContext, info: TicketInfo, ticket: number, emit: Emit): void {
  const t = info.t
  if (!RunContext.isApprovedGrant(t) || t.state !== 'fulfilled' || info.subject < 0) return
  if (info.settledAt >= ctx.now - ctx.policy.grace.fulfilment || ctx.expired(t)) return
  const done = new Set<number>()
  for (const tg of info.targets) {
    if (tg.ent < 0 || done.has(tg.ent)) continue
    done.add(tg.ent)
    if (ctx.holding.holds(ctx.snap.subjects[info.subject]!.identities, tg.ent)) continue
    // A fulfilled revoke of the same access, closed after this ticket: the access was removed on purpose.
    const revoked = (ctx.subjectTargets[info.subject] ?? []).some((st) => {
      if (st.ent !== tg.ent) return false
      const r = ctx.tickets[st.ticket]!
      return r.t.kind === 'revoke' && r.t.state === 'fulfilled' && r.settledAt > info.settledAt
    })
    if (revoked) continue
    const e = ctx.snap.entitlements[tg.ent]!
    emit({
      rule: 'ACC-002',
      subject: info.subject,
      ent: tg.ent,
      ticket,
      grant: -1,
      title: `${t.key} was fulfilled but ${ctx.snap.subjects[info.subject]!.key} does not hold ${e.name}`,
      evidence: {
        why: `the ticket was closed as fulfilled at ${new Date(info.settledAt).toISOString()}, yet the access is absent (directly and inherited)`,
        fulfilledAt: new Date(info.settledAt).toISOString(),
        graceMs: ctx.policy.grace.fulfilment,
      },
      deps: [ctx.snap.streams[t.stream]!, wildcard(e.source), ...ctx.idpSide],
    })
  }
}

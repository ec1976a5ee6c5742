import type { RunContext } from '../context.ts'
import type { Emit } from '../draft.ts'
import type { RuleDef } from './rule.ts'

export const rule: RuleDef = {
  id: 'NHI-002',
  summary: 'Non-human identity with no lifecycle ticket',
  attachesTo: 'nhi',
  severity: 'medium',
  ocsfType: 'nhi_without_ticket',
  control: 'OWASP NHI-09',
  remediation:
    'Record the service account in the ITSM with a service_account ticket naming it (its purpose, owner and ' +
    'review date), or decommission it if nobody claims it.',
}

export function run(ctx: RunContext, emit: Emit): void {
  const ticketed = new Set<number>()
  for (const info of ctx.tickets)
    if (info.t.kind === 'service_account' && info.subject >= 0) ticketed.add(info.subject)
  ctx.snap.subjects.forEach((subject, s) => {
    if (subject.kind !== 'nhi' || ticketed.has(s)) return
    const id = ctx.snap.identities[subject.identities[0]!]!
    emit({
      rule: 'NHI-002',
      subject: s,
      ent: -1,
      ticket: -1,
      grant: -1,
      title: `${id.displayName ?? id.externalId} (${id.source}) has no service-account ticket`,
      evidence: { why: 'no ticket of kind service_account in the look-back window names it', kind: id.kind },
      deps: [ctx.snap.streams[id.stream]!, ...ctx.ticketSide],
    })
  })
}

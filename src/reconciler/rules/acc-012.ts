import type { RunContext, TicketInfo } from '../context.ts'
import type { Emit } from '../draft.ts'
import type { RuleDef } from './rule.ts'

export const rule: RuleDef = {
  id: 'ACC-012',
  summary: 'Ticket that cannot be resolved to an identity or entitlement',
  attachesTo: 'ticket x target',
  severity: 'low',
  ocsfType: 'unresolvable_ticket',
  control: null,
  remediation:
    'Correct the ticket (beneficiary email or login, target entitlement name or id, target system), or the ' +
    'ticket mapping in the config (`tickets.map`) when every ticket of a kind fails the same way. Until it ' +
    'resolves, accord cannot tell whether the ticket was carried out.',
}

export function run(ctx: RunContext, info: TicketInfo, ticket: number, emit: Emit): void {
  const t = info.t
  const deps = [ctx.snap.streams[t.stream]!, ...ctx.idpSide]
  const identity = info.subject >= 0 ? undefined : null
  if (t.unmappable) {
    emit({
      rule: 'ACC-012',
      subject: info.subject,
      identity,
      ent: -1,
      ticket,
      grant: -1,
      title: `${t.key} could not be mapped: ${t.unmappable}`,
      evidence: { why: "the ticket could not be mapped to accord's model", reason: t.unmappable },
      deps,
    })
    return
  }
  if (t.kind !== 'grant' && t.kind !== 'revoke') return
  const noBeneficiary = info.subject < 0
  if (noBeneficiary && info.targets.length === 0) {
    emit({
      rule: 'ACC-012',
      subject: -1,
      identity: null,
      ent: -1,
      ticket,
      grant: -1,
      title: `${t.key}: beneficiary ${JSON.stringify(t.beneficiary)} resolves to no identity`,
      evidence: { why: 'the beneficiary resolves to no identity', beneficiary: t.beneficiary },
      deps,
    })
    return
  }
  const seen = new Set<string>()
  for (const tg of info.targets) {
    if (!noBeneficiary && tg.status === 'resolved') continue
    const dedupe = tg.ent >= 0 ? `#${tg.ent}` : `${tg.system ?? t.source}\t${tg.text}`
    if (seen.has(dedupe)) continue
    seen.add(dedupe)
    const problems: string[] = []
    if (noBeneficiary) problems.push(`beneficiary ${JSON.stringify(t.beneficiary)} resolves to no identity`)
    if (tg.status === 'unknown')
      problems.push(
        `target ${JSON.stringify(tg.text)} matches no entitlement${tg.system ? ` in ${tg.system}` : ''}`,
      )
    if (tg.status === 'ambiguous')
      problems.push(
        `target ${JSON.stringify(tg.text)} matches several entitlements${tg.system ? ` in ${tg.system}` : ''}`,
      )
    emit({
      rule: 'ACC-012',
      subject: info.subject,
      identity,
      ent: tg.ent,
      target: tg.ent >= 0 ? undefined : { source: tg.system ?? t.source, text: tg.text },
      ticket,
      grant: -1,
      title: `${t.key}: ${problems.join('; ')}`,
      evidence: {
        why: problems.join('; '),
        beneficiary: t.beneficiary,
        target: { system: tg.system, entitlement: tg.text },
        status: tg.status,
      },
      deps,
    })
  }
}

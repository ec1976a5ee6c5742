import { type RunContext, type TicketInfo, wildcard } from '../context.ts'
import type { Emit } from '../draft.ts'
import type { RuleDef } from './rule.ts'

export const rule: RuleDef = {
  id: 'ACC-009',
  summary: 'Approver without authority for the entitlement',
  attachesTo: 'ticket x target',
  severity: 'medium',
  ocsfType: 'unauthorized_approver',
  control: 'NIST AC-5',
  remediation:
    'Have the request approved by an approver the policy names for this entitlement (policy `approvers`), or ' +
    'extend the policy if this approver should have authority.',
}

export function run(ctx: RunContext, info: TicketInfo, ticket: number, emit: Emit): void {
  if (info.t.kind !== 'grant' || info.t.approval !== 'approved') return
  const done = new Set<number>()
  for (const tg of info.targets) {
    if (tg.ent < 0 || done.has(tg.ent)) continue
    done.add(tg.ent)
    const without = ctx.unauthorizedApprovers(info, tg.ent)
    if (without.length === 0) continue
    const e = ctx.snap.entitlements[tg.ent]!
    emit({
      rule: 'ACC-009',
      subject: info.subject,
      identity:
        info.subject >= 0
          ? undefined
          : info.beneficiaryKey
            ? { key: info.beneficiaryKey, kind: 'person' }
            : null,
      ent: tg.ent,
      ticket,
      grant: -1,
      title: `${info.t.key}: ${without.join(', ')} approved ${e.name} without authority`,
      evidence: {
        why: 'the policy names who may approve this entitlement, and this approver is not among them',
        approvers: without,
        target: tg.text,
      },
      deps: [ctx.snap.streams[info.t.stream]!, wildcard(e.source)],
    })
  }
}

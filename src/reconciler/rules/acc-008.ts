import type { RunContext, TicketInfo } from '../context.ts'
import type { Emit } from '../draft.ts'
import type { RuleDef } from './rule.ts'

export const rule: RuleDef = {
  id: 'ACC-008',
  summary: 'Self-approval: the approver is the beneficiary or the requester',
  attachesTo: 'ticket',
  severity: 'high',
  ocsfType: 'self_approval',
  control: 'NIST AC-5',
  remediation:
    'Have the request approved again by someone other than the requester and the beneficiary, and make the ' +
    'ITSM workflow refuse self-approval. Until then the access it granted is uncovered.',
}

export function run(ctx: RunContext, info: TicketInfo, ticket: number, emit: Emit): void {
  if (!info.selfApproved) return
  const self = info.approvers.filter((k) => k === info.beneficiaryKey || k === info.requesterKey)
  emit({
    rule: 'ACC-008',
    subject: info.subject,
    identity:
      info.subject >= 0
        ? undefined
        : info.beneficiaryKey
          ? { key: info.beneficiaryKey, kind: 'person' }
          : null,
    ent: -1,
    ticket,
    grant: -1,
    title: `${info.t.key} was approved by ${[...new Set(self)].join(', ')}, its own ${self.includes(info.beneficiaryKey ?? '') ? 'beneficiary' : 'requester'}`,
    evidence: {
      why: 'an approval came from the beneficiary or the requester of the ticket',
      beneficiary: info.t.beneficiary,
      requester: info.t.requester,
      approvals: info.t.approvals.map((a) => ({
        approver: a.approver,
        decision: a.decision,
        decidedAt: a.decidedAt === null ? null : new Date(a.decidedAt).toISOString(),
      })),
    },
    deps: [ctx.snap.streams[info.t.stream]!],
  })
}

import type { Ticket } from '../../../src/model/ticket.ts'

/**
 * A ticket in a form two producers can be compared by: sorted by key, times as ISO, the unmappable reason
 * reduced to whether there is one (its wording is the connector's).
 */
export function comparable(t: Ticket) {
  return {
    key: t.key,
    externalId: t.externalId,
    url: t.url,
    kind: t.kind,
    state: t.state,
    approval: t.approval,
    requester: t.requester,
    beneficiary: t.beneficiary,
    targets: t.targets,
    approvals: t.approvals.map((a) => ({ ...a, decidedAt: a.decidedAt?.toISOString() ?? null })),
    justification: t.justification,
    expiresAt: t.expiresAt?.toISOString() ?? null,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    closedAt: t.closedAt?.toISOString() ?? null,
    unmappable: t.unmappable !== null,
  }
}

export function sorted(tickets: Ticket[]) {
  return tickets.map(comparable).sort((a, b) => a.key.localeCompare(b.key))
}

import { z } from 'zod'
import { Source, Timestamp } from './common.ts'

export const TicketKind = z.enum(['grant', 'revoke', 'service_account', 'exception', 'other'])
export type TicketKind = z.infer<typeof TicketKind>

/** `approved` means approved and not yet carried out; `fulfilled` is closed as done. */
export const TicketState = z.enum(['open', 'approved', 'rejected', 'cancelled', 'fulfilled'])
export type TicketState = z.infer<typeof TicketState>

export const ApprovalDecision = z.enum(['approved', 'rejected', 'pending'])
export type ApprovalDecision = z.infer<typeof ApprovalDecision>

/** An individual approval: evidence. Whether the ticket is approved is the vendor's own verdict. */
export const Approval = z.object({
  approver: z.string(),
  decision: ApprovalDecision,
  decidedAt: Timestamp.nullable(),
})
export type Approval = z.infer<typeof Approval>

/** What a ticket asks for: an entitlement by name or id, optionally scoped to a system. */
export const TicketTarget = z.object({
  system: z.string().nullable(),
  entitlement: z.string().min(1),
})
export type TicketTarget = z.infer<typeof TicketTarget>

export const Verdict = z.enum(['approved', 'rejected', 'pending'])
export type Verdict = z.infer<typeof Verdict>

/** An access ticket, normalised from a ServiceNow requested item or a Jira Service Management request. */
export const Ticket = z.object({
  source: Source,
  externalId: z.string().min(1),
  key: z.string().min(1),
  url: z.string().nullable(),
  kind: TicketKind,
  state: TicketState,
  /** The vendor's verdict on the whole ticket (ServiceNow `approval`, JSM `finalDecision`). */
  approval: Verdict,
  requester: z.string().nullable(),
  /** Email, login or NHI id as written in the ticket; the reconciler resolves it to a person key. */
  beneficiary: z.string().nullable(),
  targets: z.array(TicketTarget),
  approvals: z.array(Approval),
  justification: z.string().nullable(),
  expiresAt: Timestamp.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  closedAt: Timestamp.nullable(),
  /** Why the ticket could not be mapped (ACC-012); null when it was. Unmappable tickets are kept, never dropped. */
  unmappable: z.string().nullable(),
})
export type Ticket = z.infer<typeof Ticket>

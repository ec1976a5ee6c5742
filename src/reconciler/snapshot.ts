import type { EntitlementType } from '../model/entitlement.ts'
import type { IdentityKind, IdentityStatus } from '../model/identity.ts'
import type { ApprovalDecision, TicketKind, TicketState, TicketTarget, Verdict } from '../model/ticket.ts'

/**
 * What one reconcile run reads, in compact form. Identities, entitlements and tickets are objects (a tenant has
 * ~100k, ~10k and ~200k of them); direct grants, the bulk, are parallel numeric columns indexed by grant number.
 */
export interface IdentityRec {
  source: string
  externalId: string
  kind: IdentityKind
  status: IdentityStatus
  email: string | null
  upn: string | null
  login: string | null
  displayName: string | null
  owners: string[]
  stream: number
  /** Index into `subjects`; -1 when the identity has no email, UPN or login to key it by. */
  subject: number
}

export interface EntitlementRec {
  source: string
  externalId: string
  type: EntitlementType
  name: string
  resource: string | null
  privileged: boolean
  stream: number
}

export interface ApprovalRec {
  approver: string
  decision: ApprovalDecision
  decidedAt: number | null
}

export interface TicketRec {
  source: string
  externalId: string
  key: string
  url: string | null
  kind: TicketKind
  state: TicketState
  approval: Verdict
  requester: string | null
  beneficiary: string | null
  targets: TicketTarget[]
  approvals: ApprovalRec[]
  expiresAt: number | null
  createdAt: number
  updatedAt: number
  closedAt: number | null
  unmappable: string | null
  stream: number
}

export const COVERED_BY = ['none', 'ticket', 'birthright', 'baseline', 'exception'] as const
export type CoveredBy = (typeof COVERED_BY)[number]

/**
 * Direct grants as typed columns (43 bytes a grant, against ~90 for arrays of JS numbers): `principal` is an
 * identity index, or an entitlement index when `isGroup`. Columns may be longer than `n`; rows past it are unused.
 */
export interface GrantColumns {
  n: number
  principal: Int32Array
  isGroup: Uint8Array
  ent: Int32Array
  /** Epoch ms, NaN when the vendor gave no time. */
  grantedAt: Float64Array
  firstSeen: Float64Array
  stream: Int32Array
  /** 1 when `accord baseline accept` recorded it. */
  baselined: Uint8Array
  /** The evidence recorded by earlier runs: index into COVERED_BY, and the covering ticket. */
  evCoveredBy: Uint8Array
  /** Index into `evTickets` (`source\tid`), -1 for none. */
  evTicket: Int32Array
  /** The recorded covering ticket's `expiresAt` (epoch ms), NaN for none. */
  evExpires: Float64Array
}

export function grantColumns(capacity: number): GrantColumns {
  return {
    n: 0,
    principal: new Int32Array(capacity),
    isGroup: new Uint8Array(capacity),
    ent: new Int32Array(capacity),
    grantedAt: new Float64Array(capacity),
    firstSeen: new Float64Array(capacity),
    stream: new Int32Array(capacity),
    baselined: new Uint8Array(capacity),
    evCoveredBy: new Uint8Array(capacity),
    evTicket: new Int32Array(capacity),
    evExpires: new Float64Array(capacity),
  }
}

export interface Subject {
  key: string
  kind: 'person' | 'nhi'
  identities: number[]
}

export interface Snapshot {
  now: number
  windowStart: number
  /** `source\tstream` of every row read; the index is what the records carry. */
  streams: string[]
  identities: IdentityRec[]
  identityIndex: Map<string, number>
  entitlements: EntitlementRec[]
  entitlementIndex: Map<string, number>
  grants: GrantColumns
  evTickets: string[]
  tickets: TicketRec[]
  credentials: {
    source: string
    identityId: string
    keyId: string
    type: string
    displayName: string | null
    createdAt: number | null
    expiresAt: number | null
    stream: number
  }[]
  subjects: Subject[]
  subjectIndex: Map<string, number>
}

export function recKey(source: string, id: string): string {
  return `${source}\t${id}`
}

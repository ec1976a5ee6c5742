import { z } from 'zod'
import { EntitlementType } from './entitlement.ts'
import { RuleId } from './rule-id.ts'
import { Severity } from './severity.ts'

export const FindingStatus = z.enum(['open', 'resolved', 'suppressed'])
export type FindingStatus = z.infer<typeof FindingStatus>

/** The identity a finding is about: a person (by person key) or a non-human identity (`source:externalId`). */
export const FindingIdentity = z.object({
  key: z.string(),
  kind: z.enum(['person', 'nhi']),
})
export type FindingIdentity = z.infer<typeof FindingIdentity>

export const FindingEntitlement = z.object({
  source: z.string(),
  type: EntitlementType.nullable(),
  /** The vendor id; for a ticket target that resolves to nothing, null (the target text is in `name`). */
  externalId: z.string().nullable(),
  name: z.string(),
})
export type FindingEntitlement = z.infer<typeof FindingEntitlement>

export const FindingTicketRef = z.object({ source: z.string(), key: z.string() })
export type FindingTicketRef = z.infer<typeof FindingTicketRef>

export const RaisedTicket = z.object({ sink: z.string(), key: z.string(), url: z.string().nullable() })
export type RaisedTicket = z.infer<typeof RaisedTicket>

/**
 * One drift. `id` is the fingerprint: the same drift always has the same id, across runs and renames.
 */
export const Finding = z.object({
  id: z.string(),
  rule: RuleId,
  severity: Severity,
  status: FindingStatus,
  identity: FindingIdentity.nullable(),
  entitlement: FindingEntitlement.nullable(),
  ticket: FindingTicketRef.nullable(),
  credentialKeyId: z.string().nullable(),
  title: z.string(),
  /** Rule-specific facts in words and values: what was found, what was looked for, why it is drift. */
  evidence: z.record(z.string(), z.unknown()),
  firstSeen: z.date(),
  lastSeen: z.date(),
  resolvedAt: z.date().nullable(),
  raisedTicket: RaisedTicket.nullable(),
})
export type Finding = z.infer<typeof Finding>

export const FindingEventType = z.enum([
  'opened',
  'updated',
  'resolved',
  'reopened',
  'suppressed',
  'unsuppressed',
])
export type FindingEventType = z.infer<typeof FindingEventType>

/** Append-only history of a finding; every change carries the run that made it. */
export const FindingEvent = z.object({
  id: z.number().int().nonnegative(),
  findingId: z.string(),
  runId: z.string(),
  type: FindingEventType,
  at: z.date(),
  severity: Severity,
  status: FindingStatus,
  data: z.record(z.string(), z.unknown()),
})
export type FindingEvent = z.infer<typeof FindingEvent>

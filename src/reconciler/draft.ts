import type { FindingIdentity } from '../model/finding.ts'
import type { RuleId } from '../model/rule-id.ts'

/** A finding as a rule produces it, before fingerprint, severity and suppression are settled. */
export interface Draft {
  rule: RuleId
  /** Subject index, -1 for none. */
  subject: number
  /** Overrides the subject's identity (ACC-008/012 when the beneficiary resolves to nothing). */
  identity?: FindingIdentity | null
  /** Entitlement index, -1 for none. */
  ent: number
  /** A ticket target that resolves to nothing: the system (or the ticket's source) and the text. */
  target?: { source: string; text: string }
  /** Ticket index, -1 for none. */
  ticket: number
  credentialKeyId?: string
  /** Grant number the finding attaches to, -1 for none (exceptions and evidence need it). */
  grant: number
  title: string
  evidence: Record<string, unknown>
  /** `source\tstream` (or `source\t*`) pairs the finding was computed from. */
  deps: string[]
}

export type Emit = (d: Draft) => void

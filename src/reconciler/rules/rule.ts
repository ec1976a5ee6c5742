import type { RuleId } from '../../model/rule-id.ts'
import type { Severity } from '../../model/severity.ts'

/** A rule's fixed facts (DESIGN section 8's table), shown by the CLI and carried into exported events. */
export interface RuleDef {
  id: RuleId
  /** What the rule finds, in words. */
  summary: string
  attachesTo: 'grant' | 'ticket' | 'ticket x target' | 'person x pair' | 'nhi' | 'credential'
  severity: Severity
  /** OCSF `finding_info.types`. */
  ocsfType: string
  control: string | null
  remediation: string
}

/** What a grant-level rule reports when it applies: the ticket that explains it and the facts. */
export interface GrantHit {
  /** Ticket index in the run's ticket list, -1 for none. */
  ticket: number
  why: string
  facts?: Record<string, unknown>
}

import type { RuleId } from '../model/rule-id.ts'

export interface RuleCatalogEntry {
  /** The OCSF `finding_info.types[0]` and CEF Device Event Class ID. */
  type: string
  /** What the rule finds, in words: the CEF name and OCSF title when a finding has none. */
  summary: string
  /** The first control, as OCSF `compliance.control`. */
  control: string | null
  /** Every standard and control the drift fails, as OCSF `compliance.standards`. */
  standards: string[]
  remediation: string
}

/**
 * DESIGN section 8's rule table, as delivery needs it. The reconciler's rule files will carry type and control
 * too; until they do, this table is the one source for the exporters.
 */
export const RULE_CATALOG: Record<RuleId, RuleCatalogEntry> = {
  'ACC-001': {
    type: 'unapproved_grant',
    summary: 'Direct grant with no covering ticket',
    control: 'AC-2',
    standards: ['NIST SP 800-53 AC-2', 'SOC 2 CC6.2'],
    remediation: 'Link an approved access request to this grant, or remove the grant.',
  },
  'ACC-002': {
    type: 'grant_not_applied',
    summary: 'Approved, fulfilled grant ticket; access absent',
    control: 'CC6.2',
    standards: ['SOC 2 CC6.2'],
    remediation: 'Provision the requested access, or reopen the ticket.',
  },
  'ACC-003': {
    type: 'revoke_not_applied',
    summary: 'Fulfilled revoke ticket; access still present',
    control: 'AC-2(3)',
    standards: ['NIST SP 800-53 AC-2(3)', 'SOC 2 CC6.3'],
    remediation: 'Remove the access the revoke ticket asked to remove.',
  },
  'ACC-004': {
    type: 'scope_mismatch',
    summary: 'Access beyond what the ticket requested',
    control: 'AC-6',
    standards: ['NIST SP 800-53 AC-6'],
    remediation: 'Reduce the access to what the ticket requested, or raise a ticket for it.',
  },
  'ACC-005': {
    type: 'expired_access',
    summary: 'Temporary access present after its end',
    control: 'AC-2(2)',
    standards: ['NIST SP 800-53 AC-2(2)'],
    remediation: 'Remove the expired access, or extend it with a new approved ticket.',
  },
  'ACC-006': {
    type: 'provisioned_before_approval',
    summary: 'Access provisioned before the ticket was approved',
    control: 'AC-2',
    standards: ['NIST SP 800-53 AC-2', 'SOC 2 CC6.2'],
    remediation: 'Review why access was provisioned before approval.',
  },
  'ACC-007': {
    type: 'rejected_but_granted',
    summary: 'Ticket rejected or cancelled; access present',
    control: 'AC-2',
    standards: ['NIST SP 800-53 AC-2'],
    remediation: 'Remove the access that was refused.',
  },
  'ACC-008': {
    type: 'self_approval',
    summary: 'Ticket approved by its beneficiary or requester',
    control: 'AC-5',
    standards: ['NIST SP 800-53 AC-5'],
    remediation: 'Have the ticket approved by someone other than its requester or beneficiary.',
  },
  'ACC-009': {
    type: 'unauthorized_approver',
    summary: 'Ticket approved by an approver without authority',
    control: 'AC-5',
    standards: ['NIST SP 800-53 AC-5'],
    remediation: 'Have the ticket approved by an authorised approver.',
  },
  'ACC-010': {
    type: 'sod_violation',
    summary: 'Separation-of-duties conflict',
    control: 'AC-5',
    standards: ['NIST SP 800-53 AC-5'],
    remediation: 'Remove one side of the conflicting pair, or record an exception.',
  },
  'ACC-011': {
    type: 'access_after_disable',
    summary: 'Disabled, suspended or deleted identity holding access',
    control: 'AC-2(3)',
    standards: ['NIST SP 800-53 AC-2(3)'],
    remediation: 'Remove the access of the disabled identity.',
  },
  'ACC-012': {
    type: 'unresolvable_ticket',
    summary: 'Ticket that cannot be resolved to an identity or entitlement',
    control: null,
    standards: [],
    remediation:
      'Correct the ticket so its beneficiary and targets name existing identities and entitlements.',
  },
  'NHI-001': {
    type: 'nhi_without_owner',
    summary: 'Non-human identity without an owner',
    control: 'AC-2',
    standards: ['OWASP NHI Top 10', 'NIST SP 800-53 AC-2'],
    remediation: 'Assign an owner to the non-human identity.',
  },
  'NHI-002': {
    type: 'nhi_without_ticket',
    summary: 'Non-human identity with no lifecycle ticket',
    control: 'NHI-09',
    standards: ['OWASP NHI-09'],
    remediation: 'Raise a service-account ticket for the non-human identity, or remove it.',
  },
  'NHI-003': {
    type: 'nhi_stale_credential',
    summary: 'Non-human identity credential expired or past rotation',
    control: 'IA-5',
    standards: ['OWASP NHI Top 10', 'NIST SP 800-53 IA-5'],
    remediation: 'Rotate the credential and remove the old one.',
  },
}

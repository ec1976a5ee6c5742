import type { Finding } from '../../model/finding.ts'
import type { RuleId } from '../../model/rule-id.ts'

/**
 * The words a finding is raised with in an ITSM, shared by the ServiceNow and Jira sinks: who, what, which
 * ticket, since when, why it is drift and what to do. Plain sections; each sink renders them in its own markup.
 */
export interface FindingSection {
  heading: string
  lines: string[]
}

const WHAT_TO_DO: Record<RuleId, string> = {
  'ACC-001': 'Find or raise the approved ticket for this access, or remove the access.',
  'ACC-002': 'Carry out the approved request, or close it as not done with the reason.',
  'ACC-003': 'Remove the access the revoke ticket asked to remove, then confirm it is gone.',
  'ACC-004': 'Remove the access beyond what was requested, or raise a ticket for it.',
  'ACC-005': 'Remove the temporary access whose end date has passed, or renew it with a ticket.',
  'ACC-006': 'Confirm the approval was given before provisioning; review how access was granted early.',
  'ACC-007': 'Remove the access: its request was rejected or cancelled.',
  'ACC-008': 'Have the request approved by someone other than the beneficiary or requester.',
  'ACC-009': 'Have the request approved by an approver with authority for the entitlement.',
  'ACC-010': 'Remove one side of the conflicting pair, or record an approved exception.',
  'ACC-011': 'Remove the access held by the disabled, suspended or deleted identity.',
  'ACC-012': 'Correct the ticket so its beneficiary and targets name real identities and entitlements.',
  'NHI-001': 'Assign an owner to the non-human identity.',
  'NHI-002': 'Raise a lifecycle ticket for the non-human identity, or decommission it.',
  'NHI-003': 'Rotate or remove the credential.',
}

export function findingSummary(f: Finding): string {
  const text = `[accord ${f.rule}] ${f.title}`
  return text.length > 160 ? `${text.slice(0, 159)}…` : text
}

export function findingSections(f: Finding): FindingSection[] {
  const what: string[] = [`${f.rule} (${f.severity}): ${f.title}`]
  if (f.identity)
    what.push(`Who: ${f.identity.key}${f.identity.kind === 'nhi' ? ' (non-human identity)' : ''}`)
  if (f.entitlement)
    what.push(
      `What: ${f.entitlement.name} (${[f.entitlement.source, f.entitlement.type, f.entitlement.externalId].filter(Boolean).join(', ')})`,
    )
  if (f.ticket) what.push(`Ticket: ${f.ticket.key} (${f.ticket.source})`)
  if (f.credentialKeyId) what.push(`Credential: ${f.credentialKeyId}`)
  what.push(`Since: ${f.firstSeen.toISOString()} (last seen ${f.lastSeen.toISOString()})`)
  const evidence = Object.entries(f.evidence).map(
    ([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`,
  )
  return [
    { heading: 'Finding', lines: what },
    ...(evidence.length ? [{ heading: 'Evidence', lines: evidence }] : []),
    { heading: 'What to do', lines: [WHAT_TO_DO[f.rule]] },
    { heading: 'Reference', lines: [`accord fingerprint: ${f.id}`] },
  ]
}

/** The sections as plain text, one line per fact. */
export function findingPlainText(f: Finding): string {
  return findingSections(f)
    .map((s) => `${s.heading}\n${s.lines.map((l) => `- ${l}`).join('\n')}`)
    .join('\n\n')
}

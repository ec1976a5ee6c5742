import { createHash } from 'node:crypto'
import type { RuleId } from '../model/rule-id.ts'

/** Rules whose fingerprint carries the ticket: they are about a ticket (or one of its targets). */
const TICKET_RULES: ReadonlySet<RuleId> = new Set(['ACC-002', 'ACC-008', 'ACC-009', 'ACC-012'])

export interface FingerprintParts {
  rule: RuleId
  /** Person key or NHI key; null when the finding has no identity. */
  subject: string | null
  /** The entitlement's source and external id, or (unresolved target) its source and text. */
  entitlement: { source: string; id: string } | null
  ticket: { source: string; key: string } | null
  credentialKeyId: string | null
}

/**
 * The finding id (and OCSF `finding_info.uid`): a hash of what the drift is about, never of a time, so the same
 * drift always has the same id and a renamed group keeps its findings (docs/rules.md, Fingerprint).
 */
export function fingerprint(p: FingerprintParts): string {
  const parts = [
    p.rule,
    p.subject ?? '',
    p.entitlement?.source ?? '',
    p.entitlement?.id ?? '',
    TICKET_RULES.has(p.rule) && p.ticket ? `${p.ticket.source}\u0000${p.ticket.key}` : '',
    p.rule === 'NHI-003' ? (p.credentialKeyId ?? '') : '',
  ]
  return createHash('sha256').update(parts.join('\u0001')).digest('hex').slice(0, 32)
}

import type { EntitlementType } from '../model/entitlement.ts'
import type { Finding, FindingStatus } from '../model/finding.ts'
import type { RuleId } from '../model/rule-id.ts'
import type { Severity } from '../model/severity.ts'
import type { FindingRow } from '../store/database.ts'

/** The stored finding as the model: what sinks and exporters see. */
export function findingFromRow(r: FindingRow): Finding {
  return {
    id: r.id,
    rule: r.rule as RuleId,
    severity: r.severity as Severity,
    status: r.status as FindingStatus,
    identity: r.identity_key
      ? { key: r.identity_key, kind: r.identity_kind === 'nhi' ? 'nhi' : 'person' }
      : null,
    entitlement:
      r.entitlement_source && r.entitlement_name !== null
        ? {
            source: r.entitlement_source,
            type: (r.entitlement_type as EntitlementType | null) ?? null,
            externalId: r.entitlement_id,
            name: r.entitlement_name,
          }
        : null,
    ticket: r.ticket_source && r.ticket_key ? { source: r.ticket_source, key: r.ticket_key } : null,
    credentialKeyId: r.credential_key_id,
    title: r.title,
    evidence: parseJson(r.evidence),
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    resolvedAt: r.resolved_at,
    raisedTicket:
      r.raised_sink && r.raised_key ? { sink: r.raised_sink, key: r.raised_key, url: r.raised_url } : null,
  }
}

/** jsonb comes back parsed from pg and PGlite; a string only if something stored JSON text in it. */
export function parseJson(v: unknown): Record<string, unknown> {
  if (typeof v === 'string') {
    try {
      const parsed = JSON.parse(v) as unknown
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {}
    } catch {
      return {}
    }
  }
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : {}
}

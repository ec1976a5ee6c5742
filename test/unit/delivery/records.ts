import type { ExportRecord } from '../../../src/delivery/export/ocsf.ts'
import type { Finding, FindingEventType } from '../../../src/model/finding.ts'
import { RULE_IDS } from '../../../src/model/rule-id.ts'
import type { Severity } from '../../../src/model/severity.ts'

const T0 = new Date('2026-11-29T10:00:00Z')

export function finding(over: Partial<Finding> = {}): Finding {
  return {
    id: 'fp-3a9c1d',
    rule: 'ACC-003',
    severity: 'high',
    status: 'open',
    identity: { key: 'frank.li@contoso.com', kind: 'person' },
    entitlement: { source: 'entra', type: 'group', externalId: '7d1c-aa', name: 'Contractors-VPN' },
    ticket: { source: 'snow', key: 'RITM0010104' },
    credentialKeyId: null,
    title: 'frank.li@contoso.com still holds Contractors-VPN after revoke RITM0010104',
    evidence: { revokeClosedAt: '2026-11-20T10:00:00Z', grant: { principal: 'u-1', grantedAt: null } },
    firstSeen: T0,
    lastSeen: new Date(T0.getTime() + 3_600_000),
    resolvedAt: null,
    raisedTicket: null,
    ...over,
  }
}

export function record(
  type: FindingEventType,
  over: Partial<Finding> = {},
  event: { id?: number; severity?: Severity; data?: Record<string, unknown>; at?: Date } = {},
): ExportRecord {
  const f = finding(over)
  return {
    finding: f,
    event: {
      id: event.id ?? 42,
      findingId: f.id,
      runId: 'run-7',
      type,
      at: event.at ?? new Date(T0.getTime() + 7_200_000),
      severity: event.severity ?? f.severity,
      status: type === 'resolved' ? 'resolved' : type === 'suppressed' ? 'suppressed' : 'open',
      data: event.data ?? {},
    },
  }
}

const TYPES: FindingEventType[] = ['opened', 'updated', 'resolved', 'reopened', 'suppressed', 'unsuppressed']
const SEVERITIES: Severity[] = ['low', 'medium', 'high', 'critical']

/** Every rule, event type and severity, with and without a raised ticket, person and NHI, odd entitlements. */
export function allRecords(): ExportRecord[] {
  const out: ExportRecord[] = []
  let id = 1
  for (const rule of RULE_IDS)
    for (const type of TYPES) {
      const nhi = rule.startsWith('NHI')
      out.push(
        record(
          type,
          {
            id: `fp-${rule}-${type}`,
            rule,
            severity: SEVERITIES[id % 4]!,
            identity: nhi
              ? { key: 'entra:sp-0042', kind: 'nhi' }
              : { key: 'frank.li@contoso.com', kind: 'person' },
            entitlement: nhi ? null : { source: 'okta', type: 'app', externalId: '0oa1', name: 'Salesforce' },
            ticket: rule === 'ACC-001' ? null : { source: 'jira', key: 'ACCESS-12' },
            credentialKeyId: rule === 'NHI-003' ? 'key-1' : null,
            raisedTicket:
              id % 2 ? { sink: 'snow', key: `INC00${id}`, url: `https://acme.service-now.com/${id}` } : null,
          },
          { id: id++, data: type === 'updated' ? { severity: { from: 'high', to: 'critical' } } : {} },
        ),
      )
    }
  // ACC-012: an unresolvable target and no identity at all.
  out.push(
    record('opened', {
      id: 'fp-unresolvable',
      rule: 'ACC-012',
      severity: 'low',
      identity: null,
      entitlement: { source: 'snow', type: null, externalId: null, name: 'VPN | "Admins" = all\\n' },
    }),
  )
  // A raised ticket with no URL (a Jira issue before its self link is known).
  out.push(record('opened', { raisedTicket: { sink: 'jira', key: 'IAM-7', url: null } }))
  return out
}

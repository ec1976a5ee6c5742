import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { redactDeep } from '../../core/redact.ts'
import type { Finding, FindingEvent, FindingEventType } from '../../model/finding.ts'
import type { Severity } from '../../model/severity.ts'
import { RULE_CATALOG } from '../rule-catalog.ts'

const VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version

export const OCSF_VERSION = '1.8.0'
const CLASS_UID = 2003
const CATEGORY_UID = 2

/** One finding event as exported: the event, and the finding as it stands (title, subject, raised ticket). */
export interface ExportRecord {
  event: FindingEvent
  finding: Finding
}

/** An OCSF event: plain JSON. Typed loosely on purpose: the schema, not TypeScript, is its contract. */
export type OcsfEvent = Record<string, unknown> & {
  activity_id: number
  type_uid: number
  time: number
  severity_id: number
  finding_info: { uid: string; title: string; types: string[] } & Record<string, unknown>
  metadata: { uid: string } & Record<string, unknown>
}

const ACTIVITY: Record<FindingEventType, [number, string]> = {
  opened: [1, 'Create'],
  updated: [2, 'Update'],
  reopened: [2, 'Update'],
  suppressed: [2, 'Update'],
  unsuppressed: [2, 'Update'],
  resolved: [3, 'Close'],
}

/** Finding status: recurrence is an Update back to New on the same uid (as Security Hub resets workflow). */
const STATUS: Record<FindingEventType, [number, string]> = {
  opened: [1, 'New'],
  updated: [1, 'New'],
  reopened: [1, 'New'],
  unsuppressed: [1, 'New'],
  suppressed: [3, 'Suppressed'],
  resolved: [4, 'Resolved'],
}

export const SEVERITY_ID: Record<Severity, [number, string]> = {
  low: [2, 'Low'],
  medium: [3, 'Medium'],
  high: [4, 'High'],
  critical: [5, 'Critical'],
}

/** The raised ticket's state as this event leaves it. */
const TICKET_STATUS: Record<FindingEventType, [number, string]> = {
  opened: [1, 'New'],
  updated: [2, 'In Progress'],
  reopened: [8, 'Reopened'],
  unsuppressed: [8, 'Reopened'],
  suppressed: [5, 'Resolved'],
  resolved: [5, 'Resolved'],
}

/**
 * `metadata.uid`: one per emission, derived from the finding event, so a replay or an at-least-once resend
 * carries the same uid and receivers drop it. A name-based UUID (version 5 layout over SHA-1).
 */
export function emissionUid(findingId: string, eventId: number): string {
  const h = createHash('sha1').update(`accord:finding-event:${findingId}:${eventId}`).digest()
  h[6] = (h[6]! & 0x0f) | 0x50
  h[8] = (h[8]! & 0x3f) | 0x80
  const x = h.subarray(0, 16).toString('hex')
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`
}

function identityResource(f: Finding) {
  if (!f.identity) return null
  return {
    uid: f.identity.key,
    name: f.identity.key,
    type: f.identity.kind === 'nhi' ? 'Non-human identity' : 'Person',
    role_id: 3,
    role: 'Affected',
  }
}

function entitlementResource(f: Finding) {
  const e = f.entitlement
  if (!e) return null
  return {
    uid: e.externalId ?? e.name,
    name: e.name,
    type: `${e.source} ${e.type ?? 'entitlement'}`,
    role_id: 1,
    role: 'Target',
    ...(e.externalId ? {} : { labels: ['unresolved'] }),
  }
}

function evidenceUser(f: Finding) {
  if (!f.identity) return null
  const nhi = f.identity.kind === 'nhi'
  return {
    uid: f.identity.key,
    name: f.identity.key,
    ...(!nhi && f.identity.key.includes('@') ? { email_addr: f.identity.key } : {}),
    type_id: nhi ? 4 : 1,
    type: nhi ? 'Service' : 'User',
    ...(f.entitlement?.type === 'group' && f.entitlement.externalId
      ? { groups: [{ uid: f.entitlement.externalId, name: f.entitlement.name }] }
      : {}),
  }
}

/**
 * The canonical event: OCSF 1.8.0 Compliance Finding (class 2003) for one finding event. Create on open,
 * Update on change, suppression or recurrence, Close on resolve; the raised ticket through the incident
 * profile. Everything else (CEF, HEC, files) derives from it.
 */
export function toOcsf(r: ExportRecord): OcsfEvent {
  const { event: e, finding: f } = r
  const rule = RULE_CATALOG[f.rule]
  const [activityId, activityName] = ACTIVITY[e.type]
  const [statusId, statusName] = STATUS[e.type]
  const [severityId, severityName] = SEVERITY_ID[e.severity]
  const closing = e.type === 'resolved'
  const resources = [entitlementResource(f), identityResource(f)].filter((x) => x !== null)
  if (f.credentialKeyId)
    resources.push({
      uid: f.credentialKeyId,
      name: f.credentialKeyId,
      type: 'Credential',
      role_id: 3,
      role: 'Affected',
    })
  if (f.ticket)
    resources.push({
      uid: f.ticket.key,
      name: f.ticket.key,
      type: `${f.ticket.source} ticket`,
      role_id: 4,
      role: 'Related',
    })
  const user = evidenceUser(f)
  const raised = f.raisedTicket
  const [ticketStatusId, ticketStatus] = TICKET_STATUS[e.type]
  const event: OcsfEvent = {
    activity_id: activityId,
    activity_name: activityName,
    category_uid: CATEGORY_UID,
    category_name: 'Findings',
    class_uid: CLASS_UID,
    class_name: 'Compliance Finding',
    type_uid: CLASS_UID * 100 + activityId,
    type_name: `Compliance Finding: ${activityName}`,
    severity_id: severityId,
    severity: severityName,
    status_id: statusId,
    status: statusName,
    time: e.at.getTime(),
    message: f.title,
    metadata: {
      version: OCSF_VERSION,
      uid: emissionUid(f.id, e.id),
      product: { name: 'accord', uid: 'accord', vendor_name: 'accord', version: VERSION },
      log_name: 'access_drift',
      ...(raised ? { profiles: ['incident'] } : {}),
    },
    finding_info: {
      uid: f.id,
      title: f.title,
      desc: rule.summary,
      types: [rule.type],
      analytic: { uid: f.rule, name: rule.type, type_id: 1, type: 'Rule' },
      created_time: f.firstSeen.getTime(),
      first_seen_time: f.firstSeen.getTime(),
      last_seen_time: f.lastSeen.getTime(),
      modified_time: e.at.getTime(),
    },
    compliance: {
      standards: rule.standards,
      ...(rule.control ? { control: rule.control } : {}),
      status_id: closing ? 1 : 3,
      status: closing ? 'Pass' : 'Fail',
    },
    ...(resources.length ? { resources } : {}),
    evidences: [
      {
        ...(user ? { user } : {}),
        data: redactDeep({
          rule: f.rule,
          event: {
            id: e.id,
            type: e.type,
            run_id: e.runId,
            ...(Object.keys(e.data).length ? { data: e.data } : {}),
          },
          ...(f.ticket ? { ticket: f.ticket } : {}),
          evidence: f.evidence,
        }),
      },
    ],
    remediation: { desc: rule.remediation },
    ...(raised
      ? {
          tickets: [
            {
              uid: raised.key,
              ...(raised.url ? { src_url: raised.url } : {}),
              title: `${raised.sink} ${raised.key}`,
              type_id: 2,
              type: 'External',
              status_id: ticketStatusId,
              status: ticketStatus,
            },
          ],
        }
      : {}),
  }
  return event
}

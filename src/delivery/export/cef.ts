import { escapeExtension, escapeHeader, isExtensionKey, truncate } from './cef-escape.ts'
import type { OcsfEvent } from './ocsf.ts'

/** OCSF severity_id to CEF 0-10 (siem-formats.md): Low 3, Medium 5, High 8, Critical and Fatal 10. */
const SEVERITY: Record<number, number> = { 0: 0, 1: 1, 2: 3, 3: 5, 4: 8, 5: 10, 6: 10 }

/** Field length limits of the CEF spec's secondary copies; anything unlisted gets the custom-string limit. */
const LIMITS: Record<string, number> = {
  act: 63,
  outcome: 63,
  msg: 1023,
  cat: 1023,
  suser: 1023,
  duser: 1023,
  duid: 1023,
  dpriv: 1023,
  reason: 1023,
  deviceExternalId: 255,
}
const DEFAULT_LIMIT = 4000

type Json = Record<string, unknown>

function resourceWithRole(e: OcsfEvent, role: number): Json | undefined {
  return ((e.resources ?? []) as Json[]).find((r) => r.role_id === role)
}

/**
 * One CEF line from the canonical OCSF event (siem-formats.md section 3). The finding uid goes in cs1 rather
 * than externalId, whose Sentinel column is an integer.
 */
export function toCef(e: OcsfEvent): string {
  const product = (e.metadata.product ?? {}) as Json
  const info = e.finding_info
  const compliance = (e.compliance ?? {}) as Json
  const identity = resourceWithRole(e, 3)
  const entitlement = resourceWithRole(e, 1)
  const related = resourceWithRole(e, 4)
  const raised = ((e.tickets ?? []) as Json[])[0]
  const ext: [string, unknown][] = [
    ['rt', e.time],
    ['start', info.first_seen_time],
    ['end', info.last_seen_time],
    ['act', e.activity_name],
    ['outcome', compliance.status],
    ['cat', `AccessGovernance/Drift/${info.types[0] ?? 'unknown'}`],
    ['duser', identity?.name],
    ['duid', identity?.uid],
    ['dpriv', entitlement?.name],
    ['reason', info.desc],
    ['msg', e.message],
    ['cs1Label', 'findingUid'],
    ['cs1', info.uid],
    ['cs2Label', 'entitlementId'],
    ['cs2', entitlement?.uid],
    ['cs3Label', 'complianceControl'],
    ['cs3', compliance.control],
    ['cs4Label', 'ticketId'],
    ['cs4', raised?.uid ?? related?.uid],
    ['cs5Label', 'findingStatus'],
    ['cs5', e.status],
    ['cs6Label', 'sourceSystem'],
    ['cs6', typeof entitlement?.type === 'string' ? entitlement.type.split(' ')[0] : undefined],
  ]
  const extension = ext
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => {
      if (!isExtensionKey(k)) throw new Error(`CEF extension key ${JSON.stringify(k)} is not alphanumeric`)
      return `${k}=${escapeExtension(truncate(String(v), LIMITS[k] ?? DEFAULT_LIMIT))}`
    })
    .join(' ')
  const header = [
    'CEF:0',
    escapeHeader(String(product.vendor_name ?? 'accord')),
    escapeHeader(String(product.name ?? 'accord')),
    escapeHeader(String(product.version ?? '')),
    escapeHeader(info.types[0] ?? 'unknown'),
    escapeHeader(truncate(info.title, 512)),
    String(SEVERITY[e.severity_id] ?? 0),
  ].join('|')
  return `${header}|${extension}`
}

import { RULE_CATALOG } from '../rule-catalog.ts'
import type { ExportRecord } from './ocsf.ts'

export const CSV_HEADER = [
  'event_id',
  'time',
  'event',
  'finding_id',
  'rule',
  'type',
  'severity',
  'status',
  'identity',
  'identity_kind',
  'entitlement_source',
  'entitlement_id',
  'entitlement_name',
  'ticket',
  'raised_ticket',
  'raised_url',
  'title',
]

/**
 * RFC 4180 quoting, and a leading `'` before text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
 * tab, CR): finding text comes from vendor data, which anyone with a group name can write.
 */
export function csvCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return ''
  let s = String(v)
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s
}

export function toCsvRow(r: ExportRecord): string {
  const { event: e, finding: f } = r
  return [
    e.id,
    e.at.toISOString(),
    e.type,
    f.id,
    f.rule,
    RULE_CATALOG[f.rule].type,
    e.severity,
    e.status,
    f.identity?.key,
    f.identity?.kind,
    f.entitlement?.source,
    f.entitlement?.externalId,
    f.entitlement?.name,
    f.ticket ? `${f.ticket.source}:${f.ticket.key}` : null,
    f.raisedTicket ? `${f.raisedTicket.sink}:${f.raisedTicket.key}` : null,
    f.raisedTicket?.url,
    f.title,
  ]
    .map(csvCell)
    .join(',')
}

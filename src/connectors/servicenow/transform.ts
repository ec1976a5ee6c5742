import type { Approval, Ticket, TicketState, Verdict } from '../../model/ticket.ts'
import type { ConnectorDefaults, MappedTicket } from '../ticket-mapping/map-ticket.ts'
import type { SnApprovalRow, SnUser } from './lookups.ts'
import { fieldText, refId, type SnRecordRaw } from './schema.ts'

const SN_DATE = { format: 'yyyy-MM-dd HH:mm:ss', zone: 'UTC' }

/**
 * ServiceNow's defaults for a requested item, so a minimal map names only kind, beneficiary and targets.
 * sc_req_item states: 1 open, 2 work in progress, -5 pending, 3 closed complete, 4 closed incomplete,
 * 7 closed skipped. The item's own `approval` field is the verdict.
 */
export const SERVICENOW_DEFAULTS: ConnectorDefaults = {
  key: { from: 'number' },
  url: { from: '$url' },
  requester: { from: 'opened_by' },
  createdAt: { from: 'sys_created_on', date: SN_DATE },
  updatedAt: { from: 'sys_updated_on', date: SN_DATE },
  closedAt: { from: 'closed_at', date: SN_DATE },
  state: { from: 'state', values: { '3': 'fulfilled', '4': 'cancelled', '7': 'cancelled' }, default: 'open' },
  approval: {
    from: 'approval',
    values: { approved: 'approved', rejected: 'rejected', requested: 'pending', 'not requested': 'pending' },
    default: 'pending',
  },
}

/** Reference fields that point at sys_user and are resolved (batched, cached) for dot-walks like `.email`. */
export const USER_REFERENCES = ['requested_for', 'opened_by'] as const

/** Fields every item read asks for, whatever the map says. */
export const BASE_FIELDS = [
  'sys_id',
  'number',
  'sys_created_on',
  'sys_updated_on',
  'state',
  'approval',
  'closed_at',
  ...USER_REFERENCES,
]

/**
 * The `sysparm_fields` a map needs. Paths through user references are served by the user cache and
 * `variables.*` by `sc_item_option_mtom`; any other dot-walk (`cat_item.name`) is asked of the Table API as is.
 */
export function fieldsForPaths(paths: readonly (readonly string[])[]): {
  fields: string[]
  variables: boolean
} {
  const fields = new Set(BASE_FIELDS)
  let variables = false
  for (const p of paths) {
    const head = p[0]!
    if (head === 'variables') variables = true
    else if (head.startsWith('$')) continue
    else if ((USER_REFERENCES as readonly string[]).includes(head) || p.length === 1) fields.add(head)
    else {
      fields.add(head)
      fields.add(p.join('.'))
    }
  }
  return { fields: [...fields], variables }
}

export interface PresentContext {
  baseUrl: string
  table: string
  user(sysId: string): SnUser | null | undefined
  variables: Record<string, string> | undefined
}

/**
 * The record as the mapping sees it: stored values as strings, user references as objects carrying the user's
 * email/user_name/name (dot-walks), other dot-walked fields nested under their reference, `variables.<name>`,
 * and `$url` (the item in the UI).
 */
export function presentItem(raw: SnRecordRaw, ctx: PresentContext): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const dotted: [string[], string][] = []
  for (const [k, v] of Object.entries(raw)) {
    if (k.includes('.')) dotted.push([k.split('.'), fieldText(v)])
    else if ((USER_REFERENCES as readonly string[]).includes(k)) out[k] = userRef(refId(v), ctx)
    else out[k] = typeof v === 'object' && v !== null ? (refId(v) ?? '') : fieldText(v)
  }
  for (const [path, value] of dotted) {
    let node = out
    for (const seg of path.slice(0, -1)) {
      const cur = node[seg]
      const obj: Record<string, unknown> =
        cur && typeof cur === 'object'
          ? (cur as Record<string, unknown>)
          : { value: typeof cur === 'string' ? cur : '' }
      node[seg] = obj
      node = obj
    }
    node[path.at(-1)!] = value
  }
  out.variables = ctx.variables ?? {}
  out.$url = `${ctx.baseUrl.replace(/\/+$/, '')}/nav_to.do?uri=${encodeURIComponent(`${ctx.table}.do?sys_id=${raw.sys_id}`)}`
  return out
}

/**
 * A user reference as the mapping sees it. Named alone (`requested_for`) it reads as the person: the email, else
 * the login (a service account's sys_user has no email; its user_name names it). `.email`, `.user_name`,
 * `.name` and `.sys_id` dot-walk as on the platform. A user the integration user may not read stays unresolved.
 */
function userRef(sysId: string | null, ctx: PresentContext): unknown {
  if (!sysId) return ''
  const u = ctx.user(sysId)
  if (!u) return { value: '', sys_id: sysId }
  return { value: u.email || u.userName, sys_id: sysId, email: u.email, user_name: u.userName, name: u.name }
}

/** Who a user is in a ticket: the email, else the login, else (unreadable user) the sys_id, so no evidence is lost. */
export function personOf(
  sysId: string | null,
  user: (id: string) => SnUser | null | undefined,
): string | null {
  if (!sysId) return null
  const u = user(sysId)
  return (u?.email || u?.userName || sysId).toLowerCase()
}

const DECISIONS: Record<string, Approval['decision']> = { approved: 'approved', rejected: 'rejected' }

/** `sysapproval_approver` rows as evidence, oldest first; only decided ones carry a time. */
export function toApprovals(
  rows: readonly SnApprovalRow[],
  user: (id: string) => SnUser | null | undefined,
): Approval[] {
  return [...rows]
    .sort(
      (a, b) => a.updatedOn.localeCompare(b.updatedOn) || (a.approver ?? '').localeCompare(b.approver ?? ''),
    )
    .map((r) => {
      const decision = DECISIONS[r.state] ?? 'pending'
      return {
        approver: personOf(r.approver, user) ?? '(no approver)',
        decision,
        decidedAt:
          decision === 'pending' || !r.updatedOn ? null : new Date(`${r.updatedOn.replace(' ', 'T')}Z`),
      }
    })
}

/**
 * The lifecycle state from the mapped state and the verdict: an open item whose verdict is approved is
 * `approved` (approved, not yet carried out); a rejected verdict makes an unfinished or cancelled item
 * `rejected` (ServiceNow closes rejected items as "Closed Incomplete").
 */
export function deriveState(state: TicketState | null, verdict: Verdict): TicketState {
  const s = state ?? 'open'
  if (verdict === 'rejected' && (s === 'open' || s === 'cancelled' || s === 'approved')) return 'rejected'
  if (verdict === 'approved' && s === 'open') return 'approved'
  return s
}

/** Assembles the ticket. A ticket that cannot be mapped is kept, with its reasons, never dropped (ACC-012). */
export function toTicket(
  raw: SnRecordRaw,
  mapped: MappedTicket,
  approvals: Approval[],
  fallbackTime: Date,
): Omit<Ticket, 'source'> {
  const verdict = mapped.approval ?? 'pending'
  const updatedAt = mapped.updatedAt ?? mapped.createdAt ?? fallbackTime
  return {
    externalId: raw.sys_id,
    key: mapped.key ?? (fieldText(raw.number) || raw.sys_id),
    url: mapped.url,
    kind: mapped.kind,
    state: deriveState(mapped.state, verdict),
    approval: verdict,
    // Requesters resolve to person keys, which are case-insensitive: stored lowercased like approvers.
    requester: mapped.requester?.toLowerCase() ?? null,
    beneficiary: mapped.beneficiary,
    targets: mapped.targets,
    approvals,
    justification: mapped.justification,
    expiresAt: mapped.expiresAt,
    createdAt: mapped.createdAt ?? updatedAt,
    updatedAt,
    closedAt: mapped.closedAt,
    unmappable: mapped.problems.length ? mapped.problems.join('; ') : null,
  }
}

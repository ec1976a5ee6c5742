import type {
  ObservedCredential,
  ObservedEntitlement,
  ObservedGrant,
  ObservedIdentity,
  ObservedTicket,
} from '../../connectors/types.ts'
import type { IdentityStatus } from '../../model/identity.ts'
import type { Approval, TicketKind, TicketState, TicketTarget, Verdict } from '../../model/ticket.ts'
import type {
  GraphKeyCredential,
  GraphPasswordCredential,
  JiraIssue,
  OktaUserStatus,
  SandboxTenant,
  SnRecord,
} from '../state.ts'
import { CATALOG_ITEMS, JIRA_FIELDS } from './catalog.ts'
import { parseJiraTime, parseSnTime } from './time.ts'

/**
 * What accord's connectors must store after a complete full sync of the sandbox tenant, per connector id.
 * It is computed from the vendor-raw tenant by the conventions in README.md, so it stays right when the
 * simulators' control handle changes the tenant: call `intendedFor(tenant)` again.
 */

export interface SourceIntended {
  identities: ObservedIdentity[]
  entitlements: ObservedEntitlement[]
  /** Direct grants, held by identities and by groups (nesting, group assignments). */
  grants: ObservedGrant[]
  credentials: ObservedCredential[]
}

export interface Intended {
  entra: SourceIntended
  okta: SourceIntended
  servicenow: { tickets: ObservedTicket[] }
  jira: { tickets: ObservedTicket[] }
}

export interface IntendedOptions {
  /** Base URLs the connectors are configured with (ticket `url`s are built from them). */
  urls?: { servicenow?: string; jira?: string }
}

const date = (s: string | null | undefined): Date | null => (s ? new Date(s) : null)

// ---------------------------------------------------------------------------------------------- Entra

export function intendedEntra(tenant: SandboxTenant): SourceIntended {
  const g = tenant.graph
  const source = 'entra'
  const firstParty = new Set(
    g.servicePrincipals.filter((sp) => sp.appOwnerOrganizationId === g.microsoftTenantId).map((sp) => sp.id),
  )
  const appsByAppId = new Map(g.applications.map((a) => [a.appId, a]))
  const identities: ObservedIdentity[] = g.users.map((u) => ({
    source,
    externalId: u.id,
    kind: u.userType === 'Guest' ? 'guest' : 'human',
    login: null,
    email: u.mail,
    upn: u.userPrincipalName,
    displayName: u.displayName,
    status: u.accountEnabled ? 'active' : 'disabled',
    owners: [],
    createdAt: new Date(u.createdDateTime),
  }))
  const credentials: ObservedCredential[] = []
  const cred = (
    identityId: string,
    c: GraphPasswordCredential | GraphKeyCredential,
    type: 'secret' | 'certificate',
  ) =>
    credentials.push({
      source,
      identityId,
      keyId: c.keyId,
      type,
      displayName: c.displayName,
      createdAt: new Date(c.startDateTime),
      expiresAt: new Date(c.endDateTime),
      lastUsedAt: null,
    })
  const entitlements: ObservedEntitlement[] = g.groups.map((x) => ({
    source,
    externalId: x.id,
    type: 'group',
    name: x.displayName,
    resource: null,
    privileged: false,
    owners: [],
  }))
  for (const sp of g.servicePrincipals) {
    if (firstParty.has(sp.id)) continue
    const app = sp.servicePrincipalType === 'Application' ? appsByAppId.get(sp.appId) : undefined
    const managed = sp.servicePrincipalType === 'ManagedIdentity'
    identities.push({
      source,
      externalId: sp.id,
      kind: managed ? 'managed_identity' : 'service',
      login: null,
      email: null,
      upn: null,
      displayName: sp.displayName,
      status: sp.accountEnabled ? 'active' : 'disabled',
      owners: managed ? [] : sp.owners.length ? [...sp.owners] : [...(app?.owners ?? [])],
      createdAt: date(sp.createdDateTime),
    })
    const seen = new Set<string>()
    for (const holder of app ? [sp, app] : [sp]) {
      for (const c of holder.passwordCredentials) {
        if (!seen.has(c.keyId)) cred(sp.id, c, 'secret')
        seen.add(c.keyId)
      }
      for (const c of holder.keyCredentials) {
        if (!seen.has(c.keyId)) cred(sp.id, c, 'certificate')
        seen.add(c.keyId)
      }
    }
    for (const r of sp.appRoles) {
      entitlements.push({
        source,
        externalId: `${sp.id}/${r.id}`,
        type: 'app_role',
        name: `${sp.displayName}:${r.displayName}`,
        resource: sp.id,
        privileged: false,
        owners: [],
      })
    }
  }
  for (const r of g.roleDefinitions) {
    entitlements.push({
      source,
      externalId: r.id,
      type: 'directory_role',
      name: r.displayName,
      resource: 'directory',
      privileged: true,
      owners: [],
    })
  }
  const grants: ObservedGrant[] = []
  for (const [groupId, members] of Object.entries(g.members)) {
    for (const m of members) {
      grants.push({
        source,
        principalType: m.type === 'group' ? 'group' : 'identity',
        principalId: m.id,
        entitlementId: groupId,
        grantedAt: null,
      })
    }
  }
  for (const a of g.appRoleAssignments) {
    if (firstParty.has(a.resourceId)) continue
    grants.push({
      source,
      principalType: a.principalType === 'Group' ? 'group' : 'identity',
      principalId: a.principalId,
      entitlementId: `${a.resourceId}/${a.appRoleId}`,
      grantedAt: new Date(a.createdDateTime),
    })
  }
  for (const a of g.roleAssignments) {
    grants.push({
      source,
      principalType: 'identity',
      principalId: a.principalId,
      entitlementId: a.roleDefinitionId,
      grantedAt: null,
    })
  }
  return { identities, entitlements, grants, credentials }
}

// ---------------------------------------------------------------------------------------------- Okta

const OKTA_STATUS: Record<OktaUserStatus, IdentityStatus> = {
  STAGED: 'active',
  PROVISIONED: 'active',
  ACTIVE: 'active',
  RECOVERY: 'active',
  PASSWORD_EXPIRED: 'active',
  LOCKED_OUT: 'active',
  SUSPENDED: 'suspended',
  DEPROVISIONED: 'disabled',
}

export function intendedOkta(tenant: SandboxTenant): SourceIntended {
  const o = tenant.okta
  const source = 'okta'
  const identities: ObservedIdentity[] = o.users.map((u) => ({
    source,
    externalId: u.id,
    kind: 'human',
    login: u.profile.login,
    email: u.profile.email || null,
    upn: null,
    displayName: `${u.profile.firstName} ${u.profile.lastName}`.trim() || null,
    status: OKTA_STATUS[u.status],
    owners: [],
    createdAt: new Date(u.created),
  }))
  const entitlements: ObservedEntitlement[] = o.groups.map((x) => ({
    source,
    externalId: x.id,
    type: 'group',
    name: x.profile.name,
    resource: null,
    privileged: false,
    owners: [],
  }))
  for (const a of o.apps) {
    if (a.isApiServiceApp) {
      identities.push({
        source,
        externalId: a.id,
        kind: 'service',
        // Okta makes an OAuth client's client_id its app id.
        login: a.id,
        email: null,
        upn: null,
        displayName: a.label,
        status: a.status === 'ACTIVE' ? 'active' : 'disabled',
        owners: [],
        createdAt: new Date(a.created),
      })
    } else {
      entitlements.push({
        source,
        externalId: a.id,
        type: 'app',
        name: a.label,
        resource: null,
        privileged: false,
        owners: [],
      })
    }
  }
  const roleTypes = new Map<string, string>()
  for (const r of o.roles) if (!roleTypes.has(r.type)) roleTypes.set(r.type, r.label)
  for (const [type, label] of roleTypes) {
    entitlements.push({
      source,
      externalId: type,
      type: 'directory_role',
      name: label,
      resource: 'directory',
      privileged: true,
      owners: [],
    })
  }
  const credentials: ObservedCredential[] = []
  for (const t of o.apiTokens) {
    identities.push({
      source,
      externalId: t.id,
      kind: 'service',
      login: null,
      email: null,
      upn: null,
      displayName: t.name,
      status: 'active',
      owners: [t.userId],
      createdAt: new Date(t.created),
    })
    credentials.push({
      source,
      identityId: t.id,
      keyId: t.id,
      type: 'api_token',
      displayName: t.name,
      createdAt: new Date(t.created),
      expiresAt: new Date(t.expiresAt),
      lastUsedAt: null,
    })
  }
  const grants: ObservedGrant[] = []
  for (const [groupId, users] of Object.entries(o.groupMembers)) {
    for (const u of users)
      grants.push({
        source,
        principalType: 'identity',
        principalId: u,
        entitlementId: groupId,
        grantedAt: null,
      })
  }
  for (const a of o.appUsers) {
    if (a.scope !== 'USER') continue
    grants.push({
      source,
      principalType: 'identity',
      principalId: a.userId,
      entitlementId: a.appId,
      grantedAt: new Date(a.created),
    })
  }
  for (const a of o.appGroups) {
    grants.push({
      source,
      principalType: 'group',
      principalId: a.groupId,
      entitlementId: a.appId,
      grantedAt: null,
    })
  }
  for (const r of o.roles) {
    grants.push({
      source,
      principalType: 'identity',
      principalId: r.userId,
      entitlementId: r.type,
      grantedAt: new Date(r.created),
    })
  }
  return { identities, entitlements, grants, credentials }
}

// ---------------------------------------------------------------------------------------------- tickets

const SN_KIND: Record<string, TicketKind> = {
  add: 'grant',
  remove: 'revoke',
  service_account: 'service_account',
}
const SN_STATE: Record<string, TicketState> = { '3': 'fulfilled', '4': 'cancelled', '7': 'cancelled' }
const SN_VERDICT: Record<string, Verdict> = { approved: 'approved', rejected: 'rejected' }

/** ServiceNow's lifecycle from state and verdict (as the connector derives it). */
function deriveState(s: TicketState, verdict: Verdict): TicketState {
  if (verdict === 'rejected' && (s === 'open' || s === 'cancelled' || s === 'approved')) return 'rejected'
  if (verdict === 'approved' && s === 'open') return 'approved'
  return s
}

function splitTargets(text: string | null | undefined, system: string | null): TicketTarget[] {
  const out = new Set<string>()
  for (const piece of (text ?? '').split(',')) if (piece.trim()) out.add(piece.trim())
  return [...out].map((entitlement) => ({ system, entitlement }))
}

export function intendedServiceNow(
  tenant: SandboxTenant,
  baseUrl = tenant.servicenow.instance,
): ObservedTicket[] {
  const t = tenant.servicenow.tables
  const users = new Map((t.sys_user ?? []).map((u) => [u.sys_id!, u]))
  const wanted = new Set(
    (t.sc_cat_item ?? [])
      .filter((c) => c.name === CATALOG_ITEMS.access || c.name === CATALOG_ITEMS.serviceAccount)
      .map((c) => c.sys_id!),
  )
  const hidden = new Set(tenant.servicenow.aclHidden)
  const defs = new Map((t.item_option_new ?? []).map((d) => [d.sys_id!, d.name!]))
  const options = new Map((t.sc_item_option ?? []).map((o) => [o.sys_id!, o]))
  const vars = new Map<string, Record<string, string>>()
  for (const link of t.sc_item_option_mtom ?? []) {
    const opt = options.get(link.sc_item_option!)
    if (!opt) continue
    const v = vars.get(link.request_item!) ?? {}
    vars.set(link.request_item!, v)
    v[defs.get(opt.item_option_new!)!] = opt.value!
  }
  const approvals = new Map<string, SnRecord[]>()
  for (const a of t.sysapproval_approver ?? []) {
    const list = approvals.get(a.sysapproval!) ?? []
    approvals.set(a.sysapproval!, list)
    list.push(a)
  }
  const person = (sysId: string | undefined): string | null => {
    if (!sysId) return null
    const u = users.get(sysId)
    return (u?.email || u?.user_name || sysId).toLowerCase()
  }
  const base = baseUrl.replace(/\/+$/, '')
  const out: ObservedTicket[] = []
  for (const r of t.sc_req_item ?? []) {
    if (!wanted.has(r.cat_item!) || hidden.has(r.sys_id!)) continue
    const v = vars.get(r.sys_id!) ?? {}
    const verdict = SN_VERDICT[r.approval!] ?? 'pending'
    const kind = SN_KIND[v.action ?? '']
    const rows = [...(approvals.get(r.sys_id!) ?? [])].sort(
      (a, b) => a.sys_updated_on!.localeCompare(b.sys_updated_on!) || a.approver!.localeCompare(b.approver!),
    )
    const requestedFor = users.get(r.requested_for!)
    out.push({
      source: 'servicenow',
      externalId: r.sys_id!,
      key: r.number!,
      url: `${base}/nav_to.do?uri=${encodeURIComponent(`sc_req_item.do?sys_id=${r.sys_id}`)}`,
      kind: kind ?? 'other',
      state: deriveState(SN_STATE[r.state!] ?? 'open', verdict),
      approval: verdict,
      requester: person(r.opened_by) || null,
      beneficiary: requestedFor?.user_name?.trim() || null,
      targets: splitTargets(v.group_name, v.target_system?.trim() || null),
      approvals: rows.map((a): Approval => {
        const decision = a.state === 'approved' ? 'approved' : a.state === 'rejected' ? 'rejected' : 'pending'
        return {
          approver: person(a.approver) ?? '(no approver)',
          decision,
          decidedAt: decision === 'pending' ? null : parseSnTime(a.sys_updated_on!),
        }
      }),
      justification: r.short_description?.trim() || null,
      expiresAt: v.end_date ? parseSnTime(v.end_date) : null,
      createdAt: parseSnTime(r.sys_created_on!),
      updatedAt: parseSnTime(r.sys_updated_on!),
      closedAt: r.closed_at ? parseSnTime(r.closed_at) : null,
      unmappable: kind ? null : `kind: value ${JSON.stringify(v.action)} is not mapped`,
    })
  }
  return out
}

const JIRA_KIND: Record<string, TicketKind> = {
  Add: 'grant',
  Remove: 'revoke',
  'Service account': 'service_account',
}
const JIRA_STATE: Record<string, TicketState> = {
  'Waiting for approval': 'open',
  'In Progress': 'approved',
  Done: 'fulfilled',
  Declined: 'rejected',
  Canceled: 'cancelled',
}
const JIRA_DECISION = { approved: 'approved', declined: 'rejected', pending: 'pending' } as const

export function intendedJira(tenant: SandboxTenant, baseUrl = tenant.jira.site): ObservedTicket[] {
  const base = baseUrl.replace(/\/+$/, '')
  const out: ObservedTicket[] = []
  for (const issue of tenant.jira.issues) {
    const f = issue.fields
    if ((f.project as { key?: string } | undefined)?.key !== 'ACCESS') continue
    out.push(jiraTicket(issue, base))
  }
  return out
}

function jiraTicket(issue: JiraIssue, base: string): ObservedTicket {
  const f = issue.fields
  const text = (id: string) => {
    const v = f[id]
    if (typeof v === 'string') return v.trim() || null
    if (v && typeof v === 'object' && 'value' in v) return String((v as { value: string }).value)
    return null
  }
  const steps = issue.approvals
  const verdict: Verdict = steps.some((a) => a.finalDecision === 'declined')
    ? 'rejected'
    : steps.length && steps.every((a) => a.finalDecision === 'approved')
      ? 'approved'
      : 'pending'
  const kind = JIRA_KIND[text(JIRA_FIELDS.action.id) ?? '']
  const status = (f.status as { name: string }).name
  const reporter = f.reporter as { emailAddress?: string } | null
  const end = text(JIRA_FIELDS.endDate.id)
  return {
    source: 'jira',
    externalId: issue.id,
    key: issue.key,
    url: `${base}/browse/${issue.key}`,
    kind: kind ?? 'other',
    state: JIRA_STATE[status] ?? 'open',
    approval: verdict,
    requester: reporter?.emailAddress?.toLowerCase() ?? null,
    beneficiary: text(JIRA_FIELDS.beneficiary.id),
    targets: splitTargets(text(JIRA_FIELDS.entitlements.id), text(JIRA_FIELDS.targetSystem.id)),
    approvals: issue.approvals.flatMap((a) =>
      a.approvers.map((x): Approval => {
        const decision = JIRA_DECISION[x.approverDecision]
        return {
          approver: (x.approver.emailAddress ?? x.approver.accountId).toLowerCase(),
          decision,
          decidedAt: decision === 'pending' || !a.completedDate ? null : parseJiraTime(a.completedDate),
        }
      }),
    ),
    justification: typeof f.summary === 'string' ? f.summary.trim() || null : null,
    expiresAt: end ? parseJiraTime(end) : null,
    createdAt: parseJiraTime(f.created as string),
    updatedAt: parseJiraTime(f.updated as string),
    closedAt: f.resolutiondate ? parseJiraTime(f.resolutiondate as string) : null,
    unmappable: kind ? null : `kind: value ${JSON.stringify(text(JIRA_FIELDS.action.id))} is not mapped`,
  }
}

export function intendedFor(tenant: SandboxTenant, opts: IntendedOptions = {}): Intended {
  return {
    entra: intendedEntra(tenant),
    okta: intendedOkta(tenant),
    servicenow: { tickets: intendedServiceNow(tenant, opts.urls?.servicenow) },
    jira: { tickets: intendedJira(tenant, opts.urls?.jira) },
  }
}

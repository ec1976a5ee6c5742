import type {
  GraphApplication,
  GraphAppRole,
  GraphGroup,
  GraphServicePrincipal,
  GraphUser,
  JiraApproval,
  JiraIssue,
  JiraUser,
  OktaApiToken,
  OktaApp,
  OktaGroup,
  OktaUser,
  OktaUserStatus,
  SandboxTenant,
  SnRecord,
} from '../state.ts'
import {
  ALIAS_DOMAIN,
  CATALOG_ITEMS,
  COMPANY_DOMAIN,
  DIRECTORY_ROLES,
  FIRST_NAMES,
  JIRA_ACTIONS,
  JIRA_FIELDS,
  LAST_NAMES,
  MICROSOFT_TENANT_ID,
  OKTA_ROLES,
  SN_ACTIONS,
} from './catalog.ts'
import type { EntRef } from './policy.ts'
import type { Rng } from './random.ts'
import { DAY, graphTime, isoZ, jiraTime, snTime } from './time.ts'

/**
 * The tenant under construction: one method per vendor fact (a user, a membership, an assignment, a ticket),
 * each writing the vendor's raw shape into `tenant`. Background and planted drift are written through it, so
 * every object has the same shape whatever put it there.
 */

export type EntKind = 'entraGroup' | 'entraAppRole' | 'entraDirRole' | 'oktaGroup' | 'oktaApp' | 'oktaRole'

export interface Ent extends EntRef {
  source: 'entra' | 'okta'
  kind: EntKind
}

export interface Person {
  /** The canonical person key: lowercased email in the company domain (or the guest's own domain). */
  key: string
  local: string
  first: string
  last: string
  dept: string
  entra: GraphUser | null
  okta: OktaUser | null
  /** How the person's email is written in ServiceNow (sys_user.email and user_name) and Jira tickets. */
  ticketEmail: string
  snUserId: string | null
  jira: JiraUser | null
  /** Whether Jira hides this user's email (privacy setting). */
  hidesEmail: boolean
}

export interface PersonOptions {
  dept: string
  /** The email's local part; generated from the name when absent. */
  local?: string
  first?: string
  last?: string
  entra?: 'member' | 'guest' | 'none'
  entraEnabled?: boolean
  okta?: OktaUserStatus | 'none'
  /** An Entra member without a mailbox: the UPN stands in. */
  noMail?: boolean
  /** Write the ticket email in mixed case (it must still resolve). */
  mixedCaseTicketEmail?: boolean
  hidesEmail?: boolean
}

export interface TicketRef {
  source: 'servicenow' | 'jira'
  key: string
}

export type TicketKindSpec = 'grant' | 'revoke' | 'service_account'
export type TicketStateSpec = 'open' | 'approved' | 'fulfilled' | 'rejected' | 'cancelled'

export interface ApprovalSpec {
  /** The approver: a person (ServiceNow sys_user / Jira user). */
  approver: Person
  decision: 'approved' | 'rejected' | 'pending'
  at: number
}

export interface TicketSpec {
  via: 'servicenow' | 'jira'
  kind: TicketKindSpec
  /** ServiceNow: the requested_for user (a person, or a sys_user written for a non-human identity). */
  beneficiary: { person: Person } | { text: string }
  requester: Person
  system: 'entra' | 'okta' | null
  targets: string[]
  state: TicketStateSpec
  /** The vendor's verdict: ServiceNow `approval`, JSM `finalDecision`; `none`: no approval was asked. */
  verdict: 'approved' | 'rejected' | 'pending' | 'none'
  approvals: ApprovalSpec[]
  created: number
  updated: number
  closed: number | null
  expires: number | null
  summary: string
  /** ServiceNow only: the integration user cannot read this item (ACL): it is counted but never served. */
  aclHidden?: boolean
}

const SN_STATE: Record<TicketStateSpec, string> = {
  open: '1',
  approved: '2',
  fulfilled: '3',
  rejected: '4',
  cancelled: '7',
}
const SN_STAGE: Record<TicketStateSpec, string> = {
  open: 'waiting_for_approval',
  approved: 'fulfillment',
  fulfilled: 'complete',
  rejected: 'Request Cancelled',
  cancelled: 'Request Cancelled',
}
const SN_VERDICT = {
  approved: 'approved',
  rejected: 'rejected',
  pending: 'requested',
  none: 'not requested',
} as const

export const JIRA_STATUSES: SandboxTenant['jira']['statuses'] = [
  { id: '10000', name: 'Waiting for approval', statusCategory: { id: 2, key: 'new', name: 'To Do' } },
  { id: '10001', name: 'In Progress', statusCategory: { id: 4, key: 'indeterminate', name: 'In Progress' } },
  { id: '10002', name: 'Done', statusCategory: { id: 3, key: 'done', name: 'Done' } },
  { id: '10003', name: 'Declined', statusCategory: { id: 3, key: 'done', name: 'Done' } },
  { id: '10004', name: 'Canceled', statusCategory: { id: 3, key: 'done', name: 'Done' } },
  { id: '10005', name: 'To Do', statusCategory: { id: 2, key: 'new', name: 'To Do' } },
]
const JIRA_STATUS_OF: Record<TicketStateSpec, string> = {
  open: '10000',
  approved: '10001',
  fulfilled: '10002',
  rejected: '10003',
  cancelled: '10004',
}
const COLOR: Record<string, string> = { new: 'blue-gray', indeterminate: 'yellow', done: 'green' }
/** The Jira site's zone: issue times are written with this offset. */
const JIRA_SITE_OFFSET = 9 * 60
const END_DATE_OFFSETS = [9 * 60, -5 * 60, 0, 5 * 60 + 30]
const ACTION_OPTION_IDS = { Add: '10100', Remove: '10101', 'Service account': '10102' } as const
const SYSTEM_OPTION_IDS = { entra: '10110', okta: '10111' } as const

export class World {
  readonly rng: Rng
  readonly now: number
  readonly tenant: SandboxTenant
  readonly people: Person[] = []
  readonly byKey = new Map<string, Person>()
  readonly #nameCount = new Map<string, number>()
  readonly #catalog: Record<string, string> = {}
  readonly #variableDefs = new Map<string, string>()
  readonly #oktaUserType: string
  #ritm = 10000
  #req = 10000
  #jira = 0
  /** Okta role entitlements seen so far, by type. */
  readonly #oktaRoles = new Map<string, Ent>()
  readonly #appGroupCount = new Map<string, number>()

  constructor(rng: Rng, now: number, seed: number, size: SandboxTenant['size']) {
    this.rng = rng
    this.now = now
    const tenantId = rng.guid()
    this.#oktaUserType = rng.oktaId('oty')
    this.tenant = {
      now: isoZ(now),
      seed,
      size,
      graph: {
        tenantId,
        users: [],
        groups: [],
        members: {},
        applications: [],
        servicePrincipals: [],
        appRoleAssignments: [],
        roleDefinitions: DIRECTORY_ROLES.map((r) => ({
          id: r.id,
          displayName: r.name,
          description: `Built-in role: ${r.name}`,
          isBuiltIn: true,
          templateId: r.id,
        })),
        roleAssignments: [],
        microsoftTenantId: MICROSOFT_TENANT_ID,
      },
      okta: {
        orgName: 'https://contoso.okta.com',
        users: [],
        groups: [],
        groupMembers: {},
        apps: [],
        appUsers: [],
        appGroups: [],
        roles: [],
        apiTokens: [],
        logs: [],
      },
      servicenow: {
        instance: 'https://contoso.service-now.com',
        tables: {
          sys_user: [],
          sys_user_group: [],
          sc_cat_item: [],
          item_option_new: [],
          sc_request: [],
          sc_req_item: [],
          sc_item_option: [],
          sc_item_option_mtom: [],
          sysapproval_approver: [],
          sc_task: [],
          incident: [],
        },
        references: {
          sc_request: { requested_for: 'sys_user', opened_by: 'sys_user' },
          sc_req_item: {
            request: 'sc_request',
            cat_item: 'sc_cat_item',
            requested_for: 'sys_user',
            opened_by: 'sys_user',
          },
          sysapproval_approver: { approver: 'sys_user', sysapproval: 'task' },
          item_option_new: { cat_item: 'sc_cat_item' },
          sc_item_option: { item_option_new: 'item_option_new' },
          sc_item_option_mtom: { request_item: 'sc_req_item', sc_item_option: 'sc_item_option' },
          sc_task: { request_item: 'sc_req_item', assigned_to: 'sys_user', opened_by: 'sys_user' },
          incident: { caller_id: 'sys_user', opened_by: 'sys_user', assigned_to: 'sys_user' },
        },
        aclHidden: [],
      },
      jira: {
        site: 'https://contoso.atlassian.net',
        projects: [
          { id: '10000', key: 'ACCESS', name: 'Access Requests' },
          { id: '10001', key: 'IAM', name: 'IAM Operations' },
        ],
        fields: jiraFields(),
        users: [],
        issues: [],
        statuses: JIRA_STATUSES,
        transitions: [
          { id: '11', name: 'To Do', to: '10005' },
          { id: '21', name: 'In Progress', to: '10001' },
          { id: '31', name: 'Done', to: '10002' },
          { id: '41', name: 'Decline', to: '10003' },
          { id: '51', name: 'Cancel', to: '10004' },
        ],
      },
    }
    const t = snTime(now - 2000 * DAY)
    for (const name of Object.values(CATALOG_ITEMS)) {
      const sysId = rng.hex(32)
      this.#catalog[name] = sysId
      this.tenant.servicenow.tables.sc_cat_item!.push({
        sys_id: sysId,
        name,
        short_description: name,
        active: 'true',
        sys_created_on: t,
        sys_updated_on: t,
      })
    }
    // The assignment group findings are raised to (DESIGN's example sink). A fixed sys_id: it must not shift
    // the seeded id sequence of everything generated after it.
    this.tenant.servicenow.tables.sys_user_group!.push({
      sys_id: '8a4dde73c6112278017a6a4baf547aa7',
      name: 'IAM Operations',
      description: 'Identity and access management operations',
      active: 'true',
      sys_created_on: t,
      sys_updated_on: t,
    })
    for (const v of ['action', 'group_name', 'target_system', 'end_date', 'service_account', 'model']) {
      const sysId = rng.hex(32)
      this.#variableDefs.set(v, sysId)
      const item =
        v === 'service_account'
          ? CATALOG_ITEMS.serviceAccount
          : v === 'model'
            ? CATALOG_ITEMS.laptop
            : CATALOG_ITEMS.access
      this.tenant.servicenow.tables.item_option_new!.push({
        sys_id: sysId,
        name: v,
        question_text: v.replace('_', ' '),
        cat_item: this.#catalog[item]!,
        sys_created_on: t,
        sys_updated_on: t,
      })
    }
  }

  // ------------------------------------------------------------------ people

  addPerson(o: PersonOptions): Person {
    const rng = this.rng
    const first = o.first ?? rng.pick(FIRST_NAMES)
    const last = o.last ?? rng.pick(LAST_NAMES)
    let local = o.local
    if (!local) {
      const base = `${first}.${last}`.toLowerCase()
      const n = (this.#nameCount.get(base) ?? 0) + 1
      this.#nameCount.set(base, n)
      local = n === 1 ? base : `${base}${n}`
    }
    const entraKind = o.entra ?? 'member'
    const guestDomain =
      entraKind === 'guest' ? rng.pick(['fabrikam.com', 'northwind.example', 'adatum.example']) : null
    const key = `${local}@${guestDomain ?? COMPANY_DOMAIN}`
    if (this.byKey.has(key)) throw new Error(`scenario: person ${key} exists twice`)
    const display = `${first} ${last}`
    const cased = `${capitalise(local)}@${guestDomain ?? COMPANY_DOMAIN}`
    const created = this.now - rng.range(60, 1800) * DAY
    let entra: GraphUser | null = null
    if (entraKind !== 'none') {
      const upn =
        entraKind === 'guest'
          ? `${local}_${guestDomain}#EXT#@${ALIAS_DOMAIN}`
          : `${local}@${rng.chance(0.3) ? ALIAS_DOMAIN : COMPANY_DOMAIN}`
      entra = {
        id: rng.guid(),
        userPrincipalName: upn,
        mail: o.noMail ? null : rng.chance(0.15) ? cased : key,
        displayName: display,
        accountEnabled: o.entraEnabled ?? true,
        userType: entraKind === 'guest' ? 'Guest' : 'Member',
        createdDateTime: graphTime(created),
        employeeId: entraKind === 'guest' ? null : String(100000 + this.people.length),
        department: entraKind === 'guest' ? null : o.dept,
      }
      this.tenant.graph.users.push(entra)
    }
    let okta: OktaUser | null = null
    const oktaStatus = o.okta ?? 'none'
    if (oktaStatus !== 'none') {
      const domain = rng.chance(0.4) ? ALIAS_DOMAIN : COMPANY_DOMAIN
      const email = rng.chance(0.1) ? `${capitalise(local)}@${capitalise(domain)}` : `${local}@${domain}`
      const oc = created + rng.range(0, 20) * DAY
      const updated = Math.min(this.now - DAY, oc + rng.range(1, 400) * DAY)
      okta = {
        id: rng.oktaId('00u'),
        status: oktaStatus,
        created: isoZ(oc),
        activated: oktaStatus === 'STAGED' ? null : isoZ(oc + 3_600_000),
        statusChanged: isoZ(updated),
        lastLogin: oktaStatus === 'ACTIVE' ? isoZ(this.now - rng.range(1, 30) * DAY) : null,
        lastUpdated: isoZ(updated),
        passwordChanged: isoZ(oc + 7_200_000),
        type: { id: this.#oktaUserType },
        profile: { firstName: first, lastName: last, login: email, email, department: o.dept },
      }
      this.tenant.okta.users.push(okta)
    }
    const p: Person = {
      key,
      local,
      first,
      last,
      dept: o.dept,
      entra,
      okta,
      ticketEmail: o.mixedCaseTicketEmail ? cased : key,
      snUserId: null,
      jira: null,
      hidesEmail: o.hidesEmail ?? false,
    }
    this.people.push(p)
    this.byKey.set(key, p)
    return p
  }

  /** The person's sys_user row (created on first use): user_name and email both as `ticketEmail`. */
  snUser(p: Person): string {
    if (p.snUserId) return p.snUserId
    p.snUserId = this.snUserRow(p.ticketEmail, p.ticketEmail, p.first, p.last)
    return p.snUserId
  }

  /** A sys_user row; for a service account, `email` is empty and `user_name` names the account. */
  snUserRow(userName: string, email: string, first: string, last: string): string {
    const sysId = this.rng.hex(32)
    const t = snTime(this.now - 900 * DAY)
    this.tenant.servicenow.tables.sys_user!.push({
      sys_id: sysId,
      user_name: userName,
      email,
      name: `${first} ${last}`.trim(),
      first_name: first,
      last_name: last,
      active: 'true',
      sys_created_on: t,
      sys_updated_on: t,
    })
    return sysId
  }

  jiraUser(p: Person): JiraUser {
    if (p.jira) return p.jira
    const u: JiraUser = {
      accountId: `712020:${this.rng.guid()}`,
      displayName: `${p.first} ${p.last}`,
      active: true,
      accountType: 'atlassian',
    }
    if (!p.hidesEmail) u.emailAddress = p.ticketEmail
    this.tenant.jira.users.push(u)
    p.jira = u
    return u
  }

  // ------------------------------------------------------------------ Entra

  entraGroup(name: string, description: string | null = null): Ent {
    const g: GraphGroup = {
      id: this.rng.guid(),
      displayName: name,
      description,
      securityEnabled: true,
      mailEnabled: false,
      groupTypes: [],
      createdDateTime: graphTime(this.now - this.rng.range(200, 2000) * DAY),
    }
    this.tenant.graph.groups.push(g)
    this.tenant.graph.members[g.id] = []
    return {
      source: 'entra',
      kind: 'entraGroup',
      type: 'group',
      externalId: g.id,
      name,
      vendorPrivileged: false,
    }
  }

  /** `child` becomes a direct member of `parent` (nesting). */
  nest(child: Ent, parent: Ent): void {
    this.tenant.graph.members[parent.externalId]!.push({ type: 'group', id: child.externalId })
  }

  /**
   * An app registration and its service principal, with app roles users can hold. `owners` are set on the
   * application, `spOwners` on the service principal (Graph reports them separately).
   */
  entraApp(
    name: string,
    roles: readonly string[],
    o: { owners?: Person[]; spOwners?: Person[]; firstParty?: { appId: string }; created?: number } = {},
  ): { app: GraphApplication | null; sp: GraphServicePrincipal; roles: Ent[] } {
    const rng = this.rng
    const appId = o.firstParty?.appId ?? rng.guid()
    const created = graphTime(o.created ?? this.now - rng.range(100, 1500) * DAY)
    const appRoles: GraphAppRole[] = roles.map((r) => ({
      id: rng.guid(),
      displayName: r,
      value: r.toLowerCase(),
      allowedMemberTypes: ['User'],
      isEnabled: true,
    }))
    let app: GraphApplication | null = null
    if (!o.firstParty) {
      app = {
        id: rng.guid(),
        appId,
        displayName: name,
        createdDateTime: created,
        passwordCredentials: [],
        keyCredentials: [],
        owners: (o.owners ?? []).map((p) => p.entra!.id),
      }
      this.tenant.graph.applications.push(app)
    }
    const sp: GraphServicePrincipal = {
      id: rng.guid(),
      appId,
      displayName: name,
      servicePrincipalType: 'Application',
      accountEnabled: true,
      appOwnerOrganizationId: o.firstParty ? MICROSOFT_TENANT_ID : this.tenant.graph.tenantId,
      appRoles,
      passwordCredentials: [],
      keyCredentials: [],
      owners: (o.spOwners ?? []).map((p) => p.entra!.id),
      createdDateTime: created,
    }
    this.tenant.graph.servicePrincipals.push(sp)
    const ents: Ent[] = appRoles.map((r) => ({
      source: 'entra',
      kind: 'entraAppRole',
      type: 'app_role',
      externalId: `${sp.id}/${r.id}`,
      name: `${name}:${r.displayName}`,
      vendorPrivileged: false,
    }))
    return { app, sp, roles: ents }
  }

  managedIdentity(name: string): GraphServicePrincipal {
    const sp: GraphServicePrincipal = {
      id: this.rng.guid(),
      appId: this.rng.guid(),
      displayName: name,
      servicePrincipalType: 'ManagedIdentity',
      accountEnabled: true,
      appOwnerOrganizationId: this.tenant.graph.tenantId,
      appRoles: [],
      passwordCredentials: [],
      keyCredentials: [],
      owners: [],
      createdDateTime: graphTime(this.now - this.rng.range(30, 700) * DAY),
    }
    this.tenant.graph.servicePrincipals.push(sp)
    return sp
  }

  /** A client secret (`secret`) or certificate on an app registration or a service principal. */
  credential(
    on: GraphApplication | GraphServicePrincipal,
    kind: 'secret' | 'certificate',
    start: number,
    end: number,
    name: string,
  ): string {
    const keyId = this.rng.guid()
    if (kind === 'secret') {
      on.passwordCredentials.push({
        keyId,
        displayName: name,
        startDateTime: graphTime(start),
        endDateTime: graphTime(end),
        hint: this.rng.hex(8).slice(0, 3),
      })
    } else {
      on.keyCredentials.push({
        keyId,
        displayName: `CN=${name}`,
        type: 'AsymmetricX509Cert',
        usage: 'Verify',
        startDateTime: graphTime(start),
        endDateTime: graphTime(end),
      })
    }
    return keyId
  }

  dirRole(name: string): Ent {
    const r = DIRECTORY_ROLES.find((d) => d.name === name)
    if (!r) throw new Error(`scenario: no directory role ${name}`)
    return {
      source: 'entra',
      kind: 'entraDirRole',
      type: 'directory_role',
      externalId: r.id,
      name,
      vendorPrivileged: true,
    }
  }

  // ------------------------------------------------------------------ Okta

  oktaGroup(name: string, description: string | null = null): Ent {
    const t = isoZ(this.now - this.rng.range(200, 2000) * DAY)
    const g: OktaGroup = {
      id: this.rng.oktaId('00g'),
      created: t,
      lastUpdated: t,
      lastMembershipUpdated: isoZ(this.now - this.rng.range(1, 100) * DAY),
      objectClass: ['okta:user_group'],
      type: 'OKTA_GROUP',
      profile: { name, description },
    }
    this.tenant.okta.groups.push(g)
    this.tenant.okta.groupMembers[g.id] = []
    return {
      source: 'okta',
      kind: 'oktaGroup',
      type: 'group',
      externalId: g.id,
      name,
      vendorPrivileged: false,
    }
  }

  oktaApp(label: string): Ent {
    const a = this.#oktaAppRaw(label, false)
    return {
      source: 'okta',
      kind: 'oktaApp',
      type: 'app',
      externalId: a.id,
      name: label,
      vendorPrivileged: false,
    }
  }

  oktaServiceApp(label: string): OktaApp {
    return this.#oktaAppRaw(label, true)
  }

  #oktaAppRaw(label: string, service: boolean): OktaApp {
    const t = isoZ(this.now - this.rng.range(100, 1500) * DAY)
    const a: OktaApp = {
      id: this.rng.oktaId('0oa'),
      name: service ? 'oidc_client' : label.toLowerCase().replace(/[^a-z0-9]+/g, '_'),
      label,
      status: 'ACTIVE',
      created: t,
      lastUpdated: t,
      signOnMode: service ? 'OPENID_CONNECT' : 'SAML_2_0',
      isApiServiceApp: service,
    }
    this.tenant.okta.apps.push(a)
    return a
  }

  oktaRole(type: string): Ent {
    const known = this.#oktaRoles.get(type)
    if (known) return known
    const r = OKTA_ROLES.find((x) => x.type === type)
    if (!r) throw new Error(`scenario: no Okta role ${type}`)
    const e: Ent = {
      source: 'okta',
      kind: 'oktaRole',
      type: 'directory_role',
      externalId: type,
      name: r.label,
      vendorPrivileged: true,
    }
    this.#oktaRoles.set(type, e)
    return e
  }

  apiToken(owner: Person, name: string, created: number, expires: number): OktaApiToken {
    const t: OktaApiToken = {
      id: this.rng.oktaId('00T'),
      name,
      userId: owner.okta!.id,
      clientName: 'Okta API',
      created: isoZ(created),
      lastUpdated: isoZ(created),
      expiresAt: isoZ(expires),
      tokenWindow: 'P30D',
      network: { connection: 'ANYWHERE' },
    }
    this.tenant.okta.apiTokens.push(t)
    return t
  }

  // ------------------------------------------------------------------ grants

  /**
   * `p` gets `e` directly. `at` is when the vendor says it happened; only Graph app role assignments and Okta
   * app user and role assignments record it.
   */
  grant(p: Person, e: Ent, at: number): void {
    const rng = this.rng
    switch (e.kind) {
      case 'entraGroup':
        this.tenant.graph.members[e.externalId]!.push({ type: 'user', id: need(p.entra, p, e).id })
        return
      case 'entraAppRole': {
        const u = need(p.entra, p, e)
        this.#appRoleAssignment(e, 'User', u.id, u.displayName, at)
        return
      }
      case 'entraDirRole':
        this.tenant.graph.roleAssignments.push({
          id: base64url(rng, 32),
          principalId: need(p.entra, p, e).id,
          roleDefinitionId: e.externalId,
          directoryScopeId: '/',
          createdDateTime: graphTime(at),
        })
        return
      case 'oktaGroup':
        this.tenant.okta.groupMembers[e.externalId]!.push(need(p.okta, p, e).id)
        return
      case 'oktaApp': {
        const u = need(p.okta, p, e)
        this.tenant.okta.appUsers.push({
          appId: e.externalId,
          userId: u.id,
          scope: 'USER',
          status: 'PROVISIONED',
          created: isoZ(at),
          lastUpdated: isoZ(at),
          credentials: { userName: u.profile.login },
        })
        return
      }
      case 'oktaRole':
        this.tenant.okta.roles.push({
          id: `ra${rng.oktaId('').slice(0, 14)}`,
          userId: need(p.okta, p, e).id,
          label: e.name,
          type: e.externalId,
          status: 'ACTIVE',
          created: isoZ(at),
          lastUpdated: isoZ(at),
          assignmentType: 'USER',
        })
        return
    }
  }

  /** An app role assigned to a group: it reaches the group's direct members only. */
  grantToGroup(group: Ent, e: Ent, at: number): void {
    if (e.kind === 'entraAppRole' && group.kind === 'entraGroup') {
      this.#appRoleAssignment(e, 'Group', group.externalId, group.name, at)
    } else if (e.kind === 'oktaApp' && group.kind === 'oktaGroup') {
      this.tenant.okta.appGroups.push({
        appId: e.externalId,
        groupId: group.externalId,
        priority: this.#nextPriority(e.externalId),
        lastUpdated: isoZ(at),
      })
    } else throw new Error(`scenario: cannot assign ${e.name} to group ${group.name}`)
  }

  #nextPriority(appId: string): number {
    const n = this.#appGroupCount.get(appId) ?? 0
    this.#appGroupCount.set(appId, n + 1)
    return n
  }

  #appRoleAssignment(e: Ent, type: 'User' | 'Group', principalId: string, principalName: string, at: number) {
    const [spId, roleId] = e.externalId.split('/') as [string, string]
    this.tenant.graph.appRoleAssignments.push({
      id: base64url(this.rng, 43),
      appRoleId: roleId,
      principalId,
      principalType: type,
      principalDisplayName: principalName,
      resourceId: spId,
      resourceDisplayName: e.name.slice(0, e.name.indexOf(':')),
      createdDateTime: graphTime(at),
    })
  }

  /**
   * Okta lists the members of a group assigned to an app among the app's users, with scope GROUP. Written
   * last, once memberships are final; a user with their own assignment keeps scope USER.
   */
  finishOkta(): void {
    const own = new Set(this.tenant.okta.appUsers.map((u) => `${u.appId}|${u.userId}`))
    const login = new Map(this.tenant.okta.users.map((u) => [u.id, u.profile.login]))
    for (const ag of this.tenant.okta.appGroups) {
      for (const userId of this.tenant.okta.groupMembers[ag.groupId] ?? []) {
        const k = `${ag.appId}|${userId}`
        if (own.has(k)) continue
        own.add(k)
        this.tenant.okta.appUsers.push({
          appId: ag.appId,
          userId,
          scope: 'GROUP',
          status: 'PROVISIONED',
          created: ag.lastUpdated,
          lastUpdated: ag.lastUpdated,
          credentials: { userName: login.get(userId)! },
        })
      }
    }
  }

  // ------------------------------------------------------------------ tickets

  ticket(s: TicketSpec): TicketRef {
    return s.via === 'servicenow' ? this.#snTicket(s) : this.#jiraTicket(s)
  }

  /** A requested item that is not an access request (filtered out by the connector's query). */
  laptopRequest(p: Person, created: number): void {
    this.#snItem({
      catalog: CATALOG_ITEMS.laptop,
      requestedFor: this.snUser(p),
      openedBy: this.snUser(p),
      state: '3',
      verdict: 'not requested',
      created,
      updated: created + DAY,
      closed: created + DAY,
      summary: 'New laptop',
      variables: { model: this.rng.pick(['MacBook Pro 14', 'ThinkPad X1', 'Surface Laptop']) },
      active: false,
    })
  }

  #snTicket(s: TicketSpec): TicketRef {
    const requestedFor =
      'person' in s.beneficiary
        ? this.snUser(s.beneficiary.person)
        : this.snUserRow(s.beneficiary.text, '', s.beneficiary.text, '')
    const variables: Record<string, string> = { action: SN_ACTIONS[s.kind] }
    if (s.targets.length) variables.group_name = s.targets.join(this.rng.chance(0.3) ? ', ' : ',')
    if (s.system) variables.target_system = s.system
    if (s.expires !== null) variables.end_date = snTime(s.expires)
    if (s.kind === 'service_account' && 'text' in s.beneficiary)
      variables.service_account = s.beneficiary.text
    const item = this.#snItem({
      catalog: s.kind === 'service_account' ? CATALOG_ITEMS.serviceAccount : CATALOG_ITEMS.access,
      requestedFor,
      openedBy: this.snUser(s.requester),
      state: SN_STATE[s.state],
      verdict: SN_VERDICT[s.verdict],
      created: s.created,
      updated: s.updated,
      closed: s.closed,
      summary: s.summary,
      variables,
      active: s.state === 'open' || s.state === 'approved',
      stage: SN_STAGE[s.state],
    })
    for (const a of s.approvals) {
      this.tenant.servicenow.tables.sysapproval_approver!.push({
        sys_id: this.rng.hex(32),
        approver: this.snUser(a.approver),
        state: a.decision === 'pending' ? 'requested' : a.decision,
        sysapproval: item.sys_id!,
        source_table: 'sc_req_item',
        document_id: item.sys_id!,
        comments: '',
        due_date: '',
        sys_created_on: snTime(s.created),
        sys_updated_on: snTime(a.decision === 'pending' ? s.created : a.at),
      })
    }
    if (s.aclHidden) this.tenant.servicenow.aclHidden.push(item.sys_id!)
    return { source: 'servicenow', key: item.number! }
  }

  #snItem(o: {
    catalog: string
    requestedFor: string
    openedBy: string
    state: string
    verdict: string
    created: number
    updated: number
    closed: number | null
    summary: string
    variables: Record<string, string>
    active: boolean
    stage?: string
  }): SnRecord {
    const rng = this.rng
    const t = this.tenant.servicenow.tables
    const created = snTime(o.created)
    const updated = snTime(o.updated)
    const reqId = rng.hex(32)
    const req: SnRecord = {
      sys_id: reqId,
      number: `REQ${String(++this.#req).padStart(7, '0')}`,
      requested_for: o.requestedFor,
      opened_by: o.openedBy,
      request_state: o.active ? 'in_process' : 'closed_complete',
      approval: o.verdict,
      state: o.active ? '1' : '3',
      short_description: o.summary,
      opened_at: created,
      closed_at: o.closed === null ? '' : snTime(o.closed),
      sys_created_on: created,
      sys_updated_on: updated,
    }
    t.sc_request!.push(req)
    const item: SnRecord = {
      sys_id: rng.hex(32),
      number: `RITM${String(++this.#ritm).padStart(7, '0')}`,
      request: reqId,
      cat_item: this.#catalog[o.catalog]!,
      requested_for: o.requestedFor,
      opened_by: o.openedBy,
      state: o.state,
      stage: o.stage ?? 'complete',
      approval: o.verdict,
      active: o.active ? 'true' : 'false',
      quantity: '1',
      short_description: o.summary,
      description: '',
      opened_at: created,
      closed_at: o.closed === null ? '' : snTime(o.closed),
      sys_created_on: created,
      sys_updated_on: updated,
    }
    t.sc_req_item!.push(item)
    for (const [name, value] of Object.entries(o.variables)) {
      const opt: SnRecord = {
        sys_id: rng.hex(32),
        item_option_new: this.#variableDefs.get(name)!,
        value,
        sys_created_on: created,
        sys_updated_on: created,
      }
      t.sc_item_option!.push(opt)
      t.sc_item_option_mtom!.push({
        sys_id: rng.hex(32),
        request_item: item.sys_id!,
        sc_item_option: opt.sys_id!,
        sys_created_on: created,
        sys_updated_on: created,
      })
    }
    return item
  }

  #jiraTicket(s: TicketSpec): TicketRef {
    const n = ++this.#jira
    const key = `ACCESS-${n}`
    const status = JIRA_STATUSES.find((x) => x.id === JIRA_STATUS_OF[s.state])!
    const at = (ms: number) => jiraTime(ms, JIRA_SITE_OFFSET)
    const action = JIRA_ACTIONS[s.kind]
    const beneficiary = 'person' in s.beneficiary ? s.beneficiary.person.ticketEmail : s.beneficiary.text
    const reporter = this.jiraUser(s.requester)
    const fields: Record<string, unknown> = {
      summary: s.summary,
      issuetype: { id: '10100', name: 'Access Request', subtask: false },
      project: { id: '10000', key: 'ACCESS', name: 'Access Requests' },
      status: {
        id: status.id,
        name: status.name,
        statusCategory: { ...status.statusCategory, colorName: COLOR[status.statusCategory.key] },
      },
      reporter: { ...reporter },
      created: at(s.created),
      updated: at(s.updated),
      resolutiondate: s.closed === null ? null : at(s.closed),
      labels: [],
      [JIRA_FIELDS.beneficiary.id]: beneficiary,
      [JIRA_FIELDS.action.id]: { id: ACTION_OPTION_IDS[action], value: action },
      [JIRA_FIELDS.entitlements.id]: s.targets.length
        ? s.targets.join(this.rng.chance(0.3) ? ', ' : ',')
        : null,
      [JIRA_FIELDS.targetSystem.id]: s.system ? { id: SYSTEM_OPTION_IDS[s.system], value: s.system } : null,
      [JIRA_FIELDS.endDate.id]:
        s.expires === null ? null : jiraTime(s.expires, this.rng.pick(END_DATE_OFFSETS)),
    }
    const approvals: JiraApproval[] = []
    if (s.approvals.length && s.verdict !== 'none') {
      const decided = s.verdict !== 'pending'
      approvals.push({
        id: String(n),
        name: 'Approve access',
        finalDecision: s.verdict === 'rejected' ? 'declined' : s.verdict,
        approvers: s.approvals.map((a) => ({
          approver: { ...this.jiraUser(a.approver) },
          approverDecision: a.decision === 'rejected' ? 'declined' : a.decision,
        })),
        createdDate: at(s.created),
        completedDate: decided ? at(Math.max(...s.approvals.map((a) => a.at))) : null,
      })
    }
    const issue: JiraIssue = {
      id: String(10000 + n),
      key,
      fields,
      properties: {},
      approvals,
      comments: [],
    }
    this.tenant.jira.issues.push(issue)
    return { source: 'jira', key }
  }
}

function need<T>(account: T | null, p: Person, e: Ent): T {
  if (!account) throw new Error(`scenario: ${p.key} has no ${e.source} account for ${e.name}`)
  return account
}

function capitalise(local: string): string {
  return local
    .split('.')
    .map((s) => s.charAt(0).toUpperCase() + s.slice(1))
    .join('.')
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
function base64url(rng: Rng, n: number): string {
  let s = ''
  for (let i = 0; i < n; i++) s += B64[rng.int(64)]
  return s
}

function jiraFields(): SandboxTenant['jira']['fields'] {
  const system = (id: string, name: string, type: string) => ({ id, name, custom: false, schema: { type } })
  return [
    system('summary', 'Summary', 'string'),
    system('status', 'Status', 'status'),
    system('reporter', 'Reporter', 'user'),
    system('created', 'Created', 'datetime'),
    system('updated', 'Updated', 'datetime'),
    system('resolutiondate', 'Resolved', 'datetime'),
    system('issuetype', 'Issue Type', 'issuetype'),
    system('project', 'Project', 'project'),
    system('labels', 'Labels', 'array'),
    system('description', 'Description', 'string'),
    system('priority', 'Priority', 'priority'),
    {
      id: JIRA_FIELDS.beneficiary.id,
      name: JIRA_FIELDS.beneficiary.name,
      custom: true,
      schema: {
        type: 'string',
        custom: 'com.atlassian.jira.plugin.system.customfieldtypes:textfield',
        customId: 10071,
      },
    },
    {
      id: JIRA_FIELDS.action.id,
      name: JIRA_FIELDS.action.name,
      custom: true,
      schema: {
        type: 'option',
        custom: 'com.atlassian.jira.plugin.system.customfieldtypes:select',
        customId: 10072,
      },
    },
    {
      id: JIRA_FIELDS.entitlements.id,
      name: JIRA_FIELDS.entitlements.name,
      custom: true,
      schema: {
        type: 'string',
        custom: 'com.atlassian.jira.plugin.system.customfieldtypes:textfield',
        customId: 10073,
      },
    },
    {
      id: JIRA_FIELDS.targetSystem.id,
      name: JIRA_FIELDS.targetSystem.name,
      custom: true,
      schema: {
        type: 'option',
        custom: 'com.atlassian.jira.plugin.system.customfieldtypes:select',
        customId: 10074,
      },
    },
    {
      id: JIRA_FIELDS.endDate.id,
      name: JIRA_FIELDS.endDate.name,
      custom: true,
      schema: {
        type: 'datetime',
        custom: 'com.atlassian.jira.plugin.system.customfieldtypes:datetime',
        customId: 10075,
      },
    },
  ]
}

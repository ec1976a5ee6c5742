/**
 * The sandbox tenant: what the simulators serve, in each vendor's own raw shapes (../shared/reference/
 * vendor-apis.md). The scenario generator produces it; the simulators serve it and mutate it through the
 * control handle. It is deliberately vendor-raw: accord's connectors must do the normalising, as in real life.
 *
 * Ids follow each vendor's format: Graph GUIDs, Okta `00u…`/`00g…`/`0oa…`, ServiceNow 32-hex sys_ids, Jira
 * numeric ids and `KEY-N` keys. Times are ISO strings in the vendor's own format (ServiceNow
 * `yyyy-MM-dd HH:mm:ss` UTC, Jira `2026-05-15T09:00:00.000+0900`, Graph and Okta ISO with `Z`).
 */

// ---------------------------------------------------------------- Microsoft Graph / Entra

export interface GraphUser {
  id: string
  userPrincipalName: string
  mail: string | null
  displayName: string
  accountEnabled: boolean
  userType: 'Member' | 'Guest'
  createdDateTime: string
  employeeId?: string | null
  department?: string | null
}

export interface GraphGroup {
  id: string
  displayName: string
  description: string | null
  securityEnabled: boolean
  mailEnabled: boolean
  groupTypes: string[]
  createdDateTime: string
}

/** A direct member of a group: a user, a group (nesting) or a service principal. */
export interface GraphMemberRef {
  type: 'user' | 'group' | 'servicePrincipal'
  id: string
}

export interface GraphPasswordCredential {
  keyId: string
  displayName: string | null
  startDateTime: string
  endDateTime: string
  hint: string | null
}

export interface GraphKeyCredential {
  keyId: string
  displayName: string | null
  type: 'AsymmetricX509Cert' | 'Symmetric'
  usage: 'Verify' | 'Sign'
  startDateTime: string
  endDateTime: string
}

export interface GraphAppRole {
  id: string
  displayName: string
  value: string | null
  allowedMemberTypes: ('User' | 'Application')[]
  isEnabled: boolean
}

export interface GraphApplication {
  id: string
  appId: string
  displayName: string
  createdDateTime: string
  passwordCredentials: GraphPasswordCredential[]
  keyCredentials: GraphKeyCredential[]
  /** Object ids of owning users. */
  owners: string[]
}

export interface GraphServicePrincipal {
  id: string
  appId: string
  displayName: string
  /** `Application` (an app registration's SP) or `ManagedIdentity`. */
  servicePrincipalType: 'Application' | 'ManagedIdentity' | 'Legacy' | 'SocialIdp'
  accountEnabled: boolean
  /** Microsoft first-party apps are owned by Microsoft's tenant. */
  appOwnerOrganizationId: string
  appRoles: GraphAppRole[]
  passwordCredentials: GraphPasswordCredential[]
  keyCredentials: GraphKeyCredential[]
  /** Object ids of owning users. */
  owners: string[]
  createdDateTime?: string
}

export interface GraphAppRoleAssignment {
  id: string
  appRoleId: string
  principalId: string
  principalType: 'User' | 'Group' | 'ServicePrincipal'
  principalDisplayName: string
  /** The service principal whose role it is. */
  resourceId: string
  resourceDisplayName: string
  createdDateTime: string
}

export interface GraphRoleDefinition {
  id: string
  displayName: string
  description: string | null
  isBuiltIn: boolean
  templateId: string
}

export interface GraphRoleAssignment {
  id: string
  principalId: string
  roleDefinitionId: string
  directoryScopeId: string
  /** Not a Graph field of the assignment: when the sandbox made it (Graph gives no time for these). */
  createdDateTime?: string
}

export interface GraphTenant {
  tenantId: string
  users: GraphUser[]
  groups: GraphGroup[]
  /** groupId -> its direct members. */
  members: Record<string, GraphMemberRef[]>
  applications: GraphApplication[]
  servicePrincipals: GraphServicePrincipal[]
  appRoleAssignments: GraphAppRoleAssignment[]
  roleDefinitions: GraphRoleDefinition[]
  roleAssignments: GraphRoleAssignment[]
  /** The tenant id Microsoft's first-party apps are owned by. */
  microsoftTenantId: string
}

// ---------------------------------------------------------------- Okta

export type OktaUserStatus =
  | 'STAGED'
  | 'PROVISIONED'
  | 'ACTIVE'
  | 'RECOVERY'
  | 'PASSWORD_EXPIRED'
  | 'LOCKED_OUT'
  | 'SUSPENDED'
  | 'DEPROVISIONED'

export interface OktaUser {
  id: string
  status: OktaUserStatus
  created: string
  activated: string | null
  statusChanged: string | null
  lastLogin: string | null
  lastUpdated: string
  passwordChanged: string | null
  type: { id: string }
  profile: { firstName: string; lastName: string; login: string; email: string; department?: string }
}

export interface OktaGroup {
  id: string
  created: string
  lastUpdated: string
  lastMembershipUpdated: string
  objectClass: string[]
  type: 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN'
  profile: { name: string; description: string | null }
}

export interface OktaApp {
  id: string
  name: string
  label: string
  status: 'ACTIVE' | 'INACTIVE'
  created: string
  lastUpdated: string
  signOnMode: string
  /** API service apps (OAuth client credentials to Okta's APIs) are non-human identities. */
  isApiServiceApp: boolean
}

export interface OktaAppUserAssignment {
  appId: string
  userId: string
  scope: 'USER' | 'GROUP'
  status: string
  created: string
  lastUpdated: string
  credentials?: { userName: string }
}

export interface OktaAppGroupAssignment {
  appId: string
  groupId: string
  priority: number
  lastUpdated: string
}

export interface OktaRoleAssignment {
  id: string
  userId: string
  label: string
  type: string
  status: 'ACTIVE'
  created: string
  lastUpdated: string
  assignmentType: 'USER' | 'GROUP'
}

export interface OktaApiToken {
  id: string
  name: string
  userId: string
  clientName: string
  created: string
  lastUpdated: string
  expiresAt: string
  tokenWindow: string
  network?: { connection: string }
}

export interface OktaLogEvent {
  uuid: string
  published: string
  eventType: string
  displayMessage: string
  severity: 'INFO' | 'WARN' | 'ERROR'
  version: '0'
  actor: { id: string; type: string; alternateId: string; displayName: string }
  outcome: { result: 'SUCCESS' | 'FAILURE' }
  target: { id: string; type: string; alternateId: string; displayName: string }[]
}

export interface OktaTenant {
  /** e.g. https://acme.okta.com (the simulator answers on its own origin; this names the org). */
  orgName: string
  users: OktaUser[]
  groups: OktaGroup[]
  /** groupId -> user ids (Okta groups do not nest). */
  groupMembers: Record<string, string[]>
  apps: OktaApp[]
  appUsers: OktaAppUserAssignment[]
  appGroups: OktaAppGroupAssignment[]
  roles: OktaRoleAssignment[]
  apiTokens: OktaApiToken[]
  logs: OktaLogEvent[]
}

// ---------------------------------------------------------------- ServiceNow

/**
 * A ServiceNow record as stored: every value a string ("" for empty); reference fields hold the target's
 * sys_id and are rendered as `{link, value}` (or a plain sys_id) by the simulator.
 */
export type SnRecord = Record<string, string>

export interface ServiceNowTenant {
  instance: string
  /** table name -> records (each with sys_id, sys_created_on, sys_updated_on). */
  tables: Record<string, SnRecord[]>
  /** table name -> field name -> referenced table (for dot-walking and `{link, value}` rendering). */
  references: Record<string, Record<string, string>>
  /** sys_ids of records the integration user cannot read (ACL): counted in X-Total-Count, absent from pages. */
  aclHidden: string[]
}

// ---------------------------------------------------------------- Jira Cloud / JSM

export interface JiraUser {
  accountId: string
  displayName: string
  /** Hidden (absent) for users whose privacy settings hide it. */
  emailAddress?: string
  active: boolean
  accountType: 'atlassian' | 'app' | 'customer'
}

export interface JiraField {
  id: string
  name: string
  custom: boolean
  schema?: { type: string; custom?: string; customId?: number; items?: string }
}

export interface JiraApproval {
  id: string
  name: string
  finalDecision: 'approved' | 'declined' | 'pending'
  approvers: { approver: JiraUser; approverDecision: 'approved' | 'declined' | 'pending' }[]
  createdDate: string
  completedDate: string | null
}

export interface JiraIssue {
  id: string
  key: string
  /** Issue JSON `fields`, keyed by field id (system fields and customfield_NNNNN). */
  fields: Record<string, unknown>
  properties: Record<string, unknown>
  approvals: JiraApproval[]
  comments: { id: string; author: JiraUser; body: unknown; created: string }[]
}

export interface JiraTenant {
  site: string
  projects: { id: string; key: string; name: string }[]
  fields: JiraField[]
  users: JiraUser[]
  issues: JiraIssue[]
  statuses: {
    id: string
    name: string
    statusCategory: { id: number; key: 'new' | 'indeterminate' | 'done'; name: string }
  }[]
  /** Workflow transitions available from any status: id, name, target status id. */
  transitions: { id: string; name: string; to: string }[]
}

// ---------------------------------------------------------------- the whole sandbox

export interface SandboxTenant {
  /** The fixed scenario time: accord runs against it with ACCORD_NOW set to this. */
  now: string
  seed: number
  size: 'small' | 'medium' | 'large' | 'custom'
  graph: GraphTenant
  okta: OktaTenant
  servicenow: ServiceNowTenant
  jira: JiraTenant
}

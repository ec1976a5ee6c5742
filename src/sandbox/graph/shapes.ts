import type {
  GraphApplication,
  GraphAppRoleAssignment,
  GraphGroup,
  GraphRoleAssignment,
  GraphRoleDefinition,
  GraphServicePrincipal,
  GraphUser,
} from '../state.ts'
import type { Obj } from './odata.ts'

/**
 * Sandbox records as Graph serves them: the properties Graph has (nulls for the ones the sandbox does not model),
 * without sandbox-only bookkeeping (owners lists, role assignment times), plus each type's default property set
 * when no `$select` is given (users come back with a limited set, as on Graph).
 */
export interface EntityShape<T> {
  type: string
  odataType: string
  known: ReadonlySet<string>
  /** Properties returned without `$select`; null = all. */
  defaults: readonly string[] | null
  wire(raw: T): Obj
}

const USER_DEFAULTS = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
] as const

export const userShape: EntityShape<GraphUser> = {
  type: 'user',
  odataType: '#microsoft.graph.user',
  known: new Set([
    'id',
    ...USER_DEFAULTS,
    'accountEnabled',
    'userType',
    'createdDateTime',
    'employeeId',
    'department',
    'signInActivity',
    'onPremisesSyncEnabled',
  ]),
  defaults: USER_DEFAULTS,
  wire: (u) => ({
    businessPhones: [],
    givenName: null,
    jobTitle: null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: null,
    employeeId: null,
    department: null,
    onPremisesSyncEnabled: null,
    ...u,
  }),
}

export const groupShape: EntityShape<GraphGroup> = {
  type: 'group',
  odataType: '#microsoft.graph.group',
  known: new Set([
    'id',
    'displayName',
    'description',
    'securityEnabled',
    'mailEnabled',
    'groupTypes',
    'createdDateTime',
    'mail',
    'mailNickname',
    'isAssignableToRole',
    'members',
    'membershipRule',
  ]),
  defaults: null,
  wire: (g) => ({
    mail: null,
    mailNickname: null,
    isAssignableToRole: null,
    membershipRule: null,
    ...g,
  }),
}

export const servicePrincipalShape: EntityShape<GraphServicePrincipal> = {
  type: 'servicePrincipal',
  odataType: '#microsoft.graph.servicePrincipal',
  known: new Set([
    'id',
    'appId',
    'displayName',
    'servicePrincipalType',
    'accountEnabled',
    'appOwnerOrganizationId',
    'appRoles',
    'passwordCredentials',
    'keyCredentials',
    'createdDateTime',
    'servicePrincipalNames',
    'tags',
    'appDisplayName',
  ]),
  defaults: null,
  wire: ({ owners: _owners, ...sp }) => ({
    createdDateTime: null,
    servicePrincipalNames: [sp.appId],
    tags: [],
    appDisplayName: sp.displayName,
    ...sp,
  }),
}

export const applicationShape: EntityShape<GraphApplication> = {
  type: 'application',
  odataType: '#microsoft.graph.application',
  known: new Set([
    'id',
    'appId',
    'displayName',
    'createdDateTime',
    'passwordCredentials',
    'keyCredentials',
    'signInAudience',
    'publisherDomain',
  ]),
  defaults: null,
  wire: ({ owners: _owners, ...app }) => ({ signInAudience: 'AzureADMyOrg', publisherDomain: null, ...app }),
}

export const appRoleAssignmentShape: EntityShape<GraphAppRoleAssignment> = {
  type: 'appRoleAssignment',
  odataType: '#microsoft.graph.appRoleAssignment',
  known: new Set([
    'id',
    'appRoleId',
    'principalId',
    'principalType',
    'principalDisplayName',
    'resourceId',
    'resourceDisplayName',
    'createdDateTime',
    'deletedDateTime',
  ]),
  defaults: null,
  wire: (a) => ({ deletedDateTime: null, ...a }),
}

export const roleAssignmentShape: EntityShape<GraphRoleAssignment> = {
  type: 'unifiedRoleAssignment',
  odataType: '#microsoft.graph.unifiedRoleAssignment',
  known: new Set([
    'id',
    'principalId',
    'roleDefinitionId',
    'directoryScopeId',
    'appScopeId',
    'resourceScope',
  ]),
  defaults: null,
  // Graph gives no creation time for directory role assignments: the sandbox's bookkeeping time stays inside.
  wire: ({ createdDateTime: _created, ...r }) => ({
    appScopeId: null,
    resourceScope: r.directoryScopeId,
    ...r,
  }),
}

export const roleDefinitionShape: EntityShape<GraphRoleDefinition> = {
  type: 'unifiedRoleDefinition',
  odataType: '#microsoft.graph.unifiedRoleDefinition',
  known: new Set([
    'id',
    'displayName',
    'description',
    'isBuiltIn',
    'isEnabled',
    'templateId',
    'rolePermissions',
    'version',
  ]),
  defaults: null,
  wire: (d) => ({ isEnabled: true, rolePermissions: [], version: '1', ...d }),
}

/** Owners and members are directoryObjects: users, groups or service principals, each with its `@odata.type`. */
export const directoryObjectKnown: ReadonlySet<string> = new Set([
  ...userShape.known,
  ...groupShape.known,
  ...servicePrincipalShape.known,
])

import type { GraphTenant, OktaTenant, SandboxTenant } from '../../../src/sandbox/state.ts'

/**
 * Small hand-built Graph and Okta tenants for the simulator tests (deterministic, no scenario generator), with
 * enough objects to span several pages at small page sizes.
 */

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0')
/** A deterministic GUID: prefix (8 hex) + counter. */
export const guid = (prefix: number, n: number) => `${hex(prefix, 8)}-0000-4000-8000-${hex(n, 12)}`

export const TENANT_ID = '11111111-2222-4333-8444-555555555555'
export const MICROSOFT_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a'

export function tinyGraphTenant(opts: { users?: number; bigGroupMembers?: number } = {}): GraphTenant {
  const userCount = opts.users ?? 30
  const users = Array.from({ length: userCount }, (_, i) => ({
    id: guid(1, i),
    userPrincipalName: `user${i}@contoso.example`,
    mail: i % 7 === 0 ? null : `user${i}@contoso.example`,
    displayName: `User ${i}`,
    accountEnabled: i % 10 !== 9,
    userType: (i % 11 === 10 ? 'Guest' : 'Member') as 'Guest' | 'Member',
    createdDateTime: `2025-01-${String((i % 28) + 1).padStart(2, '0')}T08:00:00Z`,
    department: ['Finance', 'Engineering', 'Sales'][i % 3]!,
  }))
  const groups = Array.from({ length: 6 }, (_, i) => ({
    id: guid(2, i),
    displayName: i === 0 ? 'All Staff' : `Group ${i}`,
    description: null,
    securityEnabled: true,
    mailEnabled: i === 5,
    groupTypes: i === 5 ? ['Unified'] : [],
    createdDateTime: '2024-06-01T00:00:00Z',
  }))
  const big = Math.min(opts.bigGroupMembers ?? 25, userCount)
  const members: GraphTenant['members'] = {
    [groups[0]!.id]: users.slice(0, big).map((u) => ({ type: 'user' as const, id: u.id })),
    [groups[1]!.id]: [
      { type: 'user', id: users[1]!.id },
      { type: 'group', id: groups[2]!.id },
    ],
    [groups[2]!.id]: [{ type: 'user', id: users[2]!.id }],
    [groups[3]!.id]: [{ type: 'servicePrincipal', id: guid(4, 0) }],
  }
  const appRoleId = guid(6, 0)
  return {
    tenantId: TENANT_ID,
    microsoftTenantId: MICROSOFT_TENANT_ID,
    users,
    groups,
    members,
    applications: [
      {
        id: guid(3, 0),
        appId: guid(5, 0),
        displayName: 'Payroll',
        createdDateTime: '2024-02-01T00:00:00Z',
        passwordCredentials: [
          {
            keyId: guid(7, 0),
            displayName: 'ci',
            startDateTime: '2025-01-01T00:00:00Z',
            endDateTime: '2026-07-01T00:00:00Z',
            hint: 'abc',
          },
        ],
        keyCredentials: [],
        owners: [users[3]!.id],
      },
    ],
    servicePrincipals: [
      {
        id: guid(4, 0),
        appId: guid(5, 0),
        displayName: 'Payroll',
        servicePrincipalType: 'Application',
        accountEnabled: true,
        appOwnerOrganizationId: TENANT_ID,
        appRoles: [
          {
            id: appRoleId,
            displayName: 'Admin',
            value: 'Payroll.Admin',
            allowedMemberTypes: ['User'],
            isEnabled: true,
          },
        ],
        passwordCredentials: [],
        keyCredentials: [],
        owners: [],
      },
      {
        id: guid(4, 1),
        appId: '00000003-0000-0000-c000-000000000000',
        displayName: 'Microsoft Graph',
        servicePrincipalType: 'Application',
        accountEnabled: true,
        appOwnerOrganizationId: MICROSOFT_TENANT_ID,
        appRoles: [],
        passwordCredentials: [],
        keyCredentials: [],
        owners: [],
      },
    ],
    appRoleAssignments: [
      {
        id: 'ara-0',
        appRoleId,
        principalId: users[4]!.id,
        principalType: 'User',
        principalDisplayName: users[4]!.displayName,
        resourceId: guid(4, 0),
        resourceDisplayName: 'Payroll',
        createdDateTime: '2025-03-01T00:00:00Z',
      },
    ],
    roleDefinitions: [
      {
        id: '62e90394-69f5-4237-9190-012177145e10',
        displayName: 'Global Administrator',
        description: 'Can manage all aspects of Microsoft Entra ID.',
        isBuiltIn: true,
        templateId: '62e90394-69f5-4237-9190-012177145e10',
      },
    ],
    roleAssignments: [
      {
        id: 'ra-0',
        principalId: users[0]!.id,
        roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10',
        directoryScopeId: '/',
        createdDateTime: '2025-01-01T00:00:00Z',
      },
    ],
  }
}

const oktaId = (prefix: string, n: number) => `${prefix}${hex(n, 17)}`

export function tinyOktaTenant(opts: { users?: number } = {}): OktaTenant {
  const count = opts.users ?? 30
  const users = Array.from({ length: count }, (_, i) => ({
    id: oktaId('00u', i),
    status: (i % 10 === 9
      ? 'DEPROVISIONED'
      : i % 10 === 8
        ? 'SUSPENDED'
        : 'ACTIVE') as OktaTenant['users'][number]['status'],
    created: '2025-01-01T00:00:00.000Z',
    activated: '2025-01-01T00:00:00.000Z',
    statusChanged: null,
    lastLogin: null,
    lastUpdated: `2025-02-${String((i % 28) + 1).padStart(2, '0')}T00:00:00.000Z`,
    passwordChanged: null,
    type: { id: 'oty00000000000000001' },
    profile: {
      firstName: `First${i}`,
      lastName: `Last${i}`,
      login: `user${i}@contoso.example`,
      email: `user${i}@contoso.example`,
    },
  }))
  const groups = Array.from({ length: 5 }, (_, i) => ({
    id: oktaId('00g', i),
    created: '2024-01-01T00:00:00.000Z',
    lastUpdated: `2025-0${i + 1}-01T00:00:00.000Z`,
    lastMembershipUpdated: `2025-0${i + 2}-01T00:00:00.000Z`,
    objectClass: ['okta:user_group'],
    type: (i === 4 ? 'BUILT_IN' : 'OKTA_GROUP') as 'BUILT_IN' | 'OKTA_GROUP',
    profile: { name: i === 4 ? 'Everyone' : `Team ${i}`, description: null },
  }))
  const apps = [
    {
      id: oktaId('0oa', 0),
      name: 'salesforce',
      label: 'Salesforce',
      status: 'ACTIVE' as const,
      created: '2024-01-01T00:00:00.000Z',
      lastUpdated: '2024-01-01T00:00:00.000Z',
      signOnMode: 'SAML_2_0',
      isApiServiceApp: false,
    },
    {
      id: oktaId('0oa', 1),
      name: 'oidc_client',
      label: 'Inventory bot',
      status: 'ACTIVE' as const,
      created: '2024-01-01T00:00:00.000Z',
      lastUpdated: '2024-01-01T00:00:00.000Z',
      signOnMode: 'OPENID_CONNECT',
      isApiServiceApp: true,
    },
  ]
  return {
    orgName: 'https://contoso.okta.example',
    users,
    groups,
    groupMembers: {
      [groups[0]!.id]: users.slice(0, 25).map((u) => u.id),
      [groups[1]!.id]: [users[1]!.id, users[2]!.id],
      [groups[4]!.id]: users.map((u) => u.id),
    },
    apps,
    appUsers: users.slice(0, 12).map((u, i) => ({
      appId: apps[0]!.id,
      userId: u.id,
      scope: (i < 10 ? 'USER' : 'GROUP') as 'USER' | 'GROUP',
      status: 'PROVISIONED',
      created: '2025-01-05T00:00:00.000Z',
      lastUpdated: '2025-01-05T00:00:00.000Z',
      credentials: { userName: u.profile.login },
    })),
    appGroups: [
      { appId: apps[0]!.id, groupId: groups[1]!.id, priority: 0, lastUpdated: '2025-01-05T00:00:00.000Z' },
    ],
    roles: [
      {
        id: 'irb00000000000000001',
        userId: users[0]!.id,
        label: 'Super Administrator',
        type: 'SUPER_ADMIN',
        status: 'ACTIVE',
        created: '2024-01-01T00:00:00.000Z',
        lastUpdated: '2024-01-01T00:00:00.000Z',
        assignmentType: 'USER',
      },
      {
        id: 'irb00000000000000002',
        userId: users[3]!.id,
        label: 'Application Administrator',
        type: 'APP_ADMIN',
        status: 'ACTIVE',
        created: '2024-01-01T00:00:00.000Z',
        lastUpdated: '2024-01-01T00:00:00.000Z',
        assignmentType: 'USER',
      },
    ],
    apiTokens: [
      {
        id: '00Tabcdefghijklmnop1',
        name: 'ci-token',
        userId: users[0]!.id,
        clientName: 'Okta API',
        created: '2025-01-01T00:00:00.000Z',
        lastUpdated: '2025-01-01T00:00:00.000Z',
        expiresAt: '2026-01-01T00:00:00.000Z',
        tokenWindow: 'P30D',
        network: { connection: 'ANYWHERE' },
      },
    ],
    logs: Array.from({ length: 7 }, (_, i) => ({
      uuid: guid(9, i),
      published: `2025-03-0${i + 1}T00:00:00.000Z`,
      eventType: 'group.user_membership.add',
      displayMessage: 'Add user to group membership',
      severity: 'INFO' as const,
      version: '0' as const,
      actor: { id: users[0]!.id, type: 'User', alternateId: users[0]!.profile.login, displayName: 'Admin' },
      outcome: { result: 'SUCCESS' as const },
      target: [
        { id: users[i]!.id, type: 'User', alternateId: users[i]!.profile.login, displayName: `User ${i}` },
        { id: groups[1]!.id, type: 'UserGroup', alternateId: 'unknown', displayName: 'Team 1' },
      ],
    })),
  }
}

/** A whole SandboxTenant with tiny IdPs and empty ITSMs. */
export function tinySandboxTenant(): SandboxTenant {
  return {
    now: '2026-05-15T09:00:00Z',
    seed: 1,
    size: 'custom',
    graph: tinyGraphTenant(),
    okta: tinyOktaTenant(),
    servicenow: {
      instance: 'https://dev0000.service-now.example',
      tables: {},
      references: {},
      aclHidden: [],
    },
    jira: {
      site: 'https://contoso.atlassian.example',
      projects: [],
      fields: [],
      users: [],
      issues: [],
      statuses: [],
      transitions: [],
    },
  }
}

import { describe, expect, it } from 'vitest'
import {
  appRoleAssignmentToGrant,
  credentialsOf,
  DEFAULT_ACCESS_ROLE_ID,
  isMicrosoftFirstParty,
  MICROSOFT_TENANT_ID,
  memberPrincipal,
  resourceEntitlements,
  roleAssignmentToGrant,
  roleDefinitionToEntitlement,
  servicePrincipalToIdentity,
  userToIdentity,
} from '../../../../src/connectors/entra/transform.ts'

const sp = {
  id: 'sp-1',
  appId: 'app-1',
  displayName: 'Payroll',
  servicePrincipalType: 'Application',
  accountEnabled: true,
  appOwnerOrganizationId: 'tenant',
}

describe('src/connectors/entra/transform', () => {
  it('completes a partial delta user from the stored identity, and refuses one it cannot complete', () => {
    const previous = userToIdentity({
      id: 'u1',
      userPrincipalName: 'a@contoso.com',
      mail: 'a@contoso.com',
      displayName: 'A',
      accountEnabled: true,
      userType: 'Member',
      createdDateTime: '2025-01-01T00:00:00Z',
    })
    if (typeof previous === 'string') throw new Error(previous)
    expect(userToIdentity({ id: 'u1', accountEnabled: false }, previous)).toEqual({
      ...previous,
      status: 'disabled',
    })
    expect(userToIdentity({ id: 'u2', accountEnabled: false })).toMatch(/userPrincipalName missing/)
  })

  it('service principal owners: its own, else its application’s; managed identities are their own kind', () => {
    expect(servicePrincipalToIdentity(sp, { sp: ['o1'], app: ['o2'] }).owners).toEqual(['o1'])
    expect(servicePrincipalToIdentity(sp, { sp: [], app: ['o2'] }).owners).toEqual(['o2'])
    const mi = servicePrincipalToIdentity(
      { ...sp, servicePrincipalType: 'ManagedIdentity' },
      {
        sp: [],
        app: [],
      },
    )
    expect(mi).toMatchObject({ kind: 'managed_identity', owners: [], login: null })
    expect(
      servicePrincipalToIdentity(
        { ...sp, accountEnabled: false, createdDateTime: '2024-01-01T00:00:00Z' },
        { sp: [], app: [] },
      ),
    ).toMatchObject({
      status: 'disabled',
      createdAt: new Date('2024-01-01T00:00:00Z'),
    })
  })

  it('Microsoft first-party service principals are recognised by their owner tenant', () => {
    expect(isMicrosoftFirstParty({ appOwnerOrganizationId: MICROSOFT_TENANT_ID })).toBe(true)
    expect(isMicrosoftFirstParty({ appOwnerOrganizationId: 'other' })).toBe(false)
  })

  it('credentials of the SP and of its app, with expiry; a key id on both counts once', () => {
    const creds = credentialsOf(
      'sp-1',
      {
        passwordCredentials: [
          {
            keyId: 'k1',
            displayName: 'ci',
            startDateTime: '2025-01-01T00:00:00Z',
            endDateTime: '2026-01-01T00:00:00Z',
          },
        ],
      },
      {
        keyCredentials: [
          { keyId: 'k2', type: 'AsymmetricX509Cert', endDateTime: '2027-01-01T00:00:00Z' },
          { keyId: 'k3', type: 'Symmetric', endDateTime: null },
        ],
      },
    )
    expect(creds.map((c) => [c.keyId, c.type, c.expiresAt?.toISOString() ?? null, c.identityId])).toEqual([
      ['k1', 'secret', '2026-01-01T00:00:00.000Z', 'sp-1'],
      ['k2', 'certificate', '2027-01-01T00:00:00.000Z', 'sp-1'],
      ['k3', 'certificate', null, 'sp-1'],
    ])
    const dup = credentialsOf(
      'sp-1',
      { passwordCredentials: [{ keyId: 'k1', displayName: 'sp' }] },
      { passwordCredentials: [{ keyId: 'k1', displayName: 'app' }] },
    )
    expect(dup.map((c) => c.displayName)).toEqual(['sp'])
  })

  it('member references: users and SPs are identities, groups are group principals, contacts are skipped', () => {
    expect(memberPrincipal({ '@odata.type': '#microsoft.graph.group', id: 'g' })).toEqual({
      principalType: 'group',
      principalId: 'g',
    })
    expect(memberPrincipal({ '@odata.type': '#microsoft.graph.servicePrincipal', id: 's' })).toEqual({
      principalType: 'identity',
      principalId: 's',
    })
    expect(memberPrincipal({ '@odata.type': '#microsoft.graph.orgContact', id: 'c' })).toBeUndefined()
  })

  it('app roles: one entitlement per role named <app>:<role>; default access is the app, only when held', () => {
    const ents = resourceEntitlements(
      { id: 'sp-1', displayName: 'Payroll', appRoles: [{ id: 'r1', displayName: 'Admin' }] },
      false,
    )
    expect(ents.map((e) => [e.externalId, e.type, e.name, e.resource])).toEqual([
      ['sp-1/r1', 'app_role', 'Payroll:Admin', 'sp-1'],
    ])
    expect(resourceEntitlements({ id: 'sp-1', displayName: 'Payroll', appRoles: [] }, true)).toMatchObject([
      { externalId: `sp-1/${DEFAULT_ACCESS_ROLE_ID}`, type: 'app', name: 'Payroll' },
    ])
    expect(resourceEntitlements({ id: 'sp-2', displayName: 'Bot', appRoles: [] }, false)).toEqual([])
    const g = appRoleAssignmentToGrant({
      id: 'a',
      appRoleId: DEFAULT_ACCESS_ROLE_ID,
      principalId: 'g1',
      principalType: 'Group',
      resourceId: 'sp-1',
      createdDateTime: '2025-03-01T00:00:00Z',
    })
    expect(g).toEqual({
      principalType: 'group',
      principalId: 'g1',
      entitlementId: `sp-1/${DEFAULT_ACCESS_ROLE_ID}`,
      grantedAt: new Date('2025-03-01T00:00:00Z'),
    })
  })

  it('directory roles are privileged; a scoped assignment is its own entitlement', () => {
    const d = { id: 'role-1', displayName: 'User Administrator' }
    expect(roleDefinitionToEntitlement(d)).toMatchObject({
      externalId: 'role-1',
      type: 'directory_role',
      privileged: true,
      resource: 'directory',
    })
    expect(roleDefinitionToEntitlement(d, '/administrativeUnits/au1')).toMatchObject({
      externalId: 'role-1@/administrativeUnits/au1',
      name: 'User Administrator (/administrativeUnits/au1)',
    })
    expect(
      roleAssignmentToGrant(
        { id: 'x', principalId: 'g1', roleDefinitionId: 'role-1', directoryScopeId: '/' },
        true,
      ),
    ).toEqual({
      principalType: 'group',
      principalId: 'g1',
      entitlementId: 'role-1',
      grantedAt: null,
    })
  })
})

import { describe, expect, it } from 'vitest'
import { OktaApp, OktaAppUser, OktaRoleAssignment, OktaUser } from '../../../../src/connectors/okta/schema.ts'
import {
  appUserGrant,
  isApiServiceApp,
  roleEntitlement,
  roleGrant,
  toIdentity,
  userStatus,
} from '../../../../src/connectors/okta/transform.ts'

const user = (status: string, profile: Record<string, unknown> = {}) =>
  OktaUser.parse({
    id: '00u1',
    status,
    created: '2026-01-01T00:00:00.000Z',
    lastUpdated: '2026-01-02T00:00:00.000Z',
    profile: {
      login: 'Ann.Lee@Acme.example',
      email: 'ann.lee@acme.example',
      firstName: 'Ann',
      lastName: 'Lee',
      ...profile,
    },
  })

describe('okta transform', () => {
  it('maps every Okta user status as DESIGN section 4 says', () => {
    expect(
      [
        'STAGED',
        'PROVISIONED',
        'ACTIVE',
        'RECOVERY',
        'PASSWORD_EXPIRED',
        'LOCKED_OUT',
        'SUSPENDED',
        'DEPROVISIONED',
      ].map((s) => userStatus(s as never)),
    ).toEqual(['active', 'active', 'active', 'active', 'active', 'active', 'suspended', 'disabled'])
  })

  it('refuses an unknown status instead of guessing', () => {
    expect(() => user('ARCHIVED')).toThrow()
  })

  it('keeps login and email as Okta gives them (the person key lowercases later) and builds the display name', () => {
    expect(toIdentity(user('ACTIVE'))).toMatchObject({
      externalId: '00u1',
      kind: 'human',
      login: 'Ann.Lee@Acme.example',
      email: 'ann.lee@acme.example',
      upn: null,
      displayName: 'Ann Lee',
      status: 'active',
    })
    expect(toIdentity(user('ACTIVE', { email: '' })).email).toBeNull()
  })

  it('takes only USER-scoped app rows as direct grants, with the assignment time', () => {
    const row = (scope: string) =>
      OktaAppUser.parse({
        id: '00u1',
        scope,
        created: '2026-10-01T10:00:00.000Z',
        lastUpdated: '2026-10-01T10:00:00.000Z',
      })
    expect(appUserGrant('0oa1', row('USER'))).toEqual({
      principalType: 'identity',
      principalId: '00u1',
      entitlementId: '0oa1',
      grantedAt: new Date('2026-10-01T10:00:00.000Z'),
    })
    expect(appUserGrant('0oa1', row('GROUP'))).toBeUndefined()
  })

  it('recognises API service apps by their OAuth application type', () => {
    const app = (settings: unknown) =>
      OktaApp.parse({
        id: '0oa1',
        name: 'oidc_client',
        label: 'x',
        status: 'ACTIVE',
        created: '2026-01-01T00:00:00.000Z',
        lastUpdated: '2026-01-01T00:00:00.000Z',
        settings,
      })
    expect(isApiServiceApp(app({ oauthClient: { application_type: 'service' } }))).toBe(true)
    expect(isApiServiceApp(app({ oauthClient: { application_type: 'web' } }))).toBe(false)
    expect(isApiServiceApp(app(undefined))).toBe(false)
  })

  it('makes one privileged entitlement per standard role type and per custom role, and gives group roles to the group', () => {
    const r = (extra: Record<string, unknown>) =>
      OktaRoleAssignment.parse({ id: 'ra1', label: 'Super Administrator', type: 'SUPER_ADMIN', ...extra })
    expect(roleEntitlement(r({}))).toMatchObject({
      externalId: 'SUPER_ADMIN',
      type: 'directory_role',
      privileged: true,
    })
    expect(roleEntitlement(r({ type: 'CUSTOM', role: 'cr0abc', label: 'Helpdesk' })).externalId).toBe(
      'cr0abc',
    )
    expect(
      roleGrant(
        '00u1',
        r({ assignmentType: 'GROUP', _links: { assignee: { href: 'https://o/api/v1/groups/00g9' } } }),
      ),
    ).toMatchObject({ principalType: 'group', principalId: '00g9', entitlementId: 'SUPER_ADMIN' })
    expect(roleGrant('00u1', r({ assignmentType: 'USER' }))).toMatchObject({
      principalType: 'identity',
      principalId: '00u1',
    })
  })
})

/**
 * Okta raw -> model, pure. Conventions (DESIGN section 4):
 * - users are `human` identities; status STAGED/PROVISIONED/ACTIVE/RECOVERY/PASSWORD_EXPIRED/LOCKED_OUT ->
 *   active, SUSPENDED -> suspended, DEPROVISIONED -> disabled; `profile.login` and `profile.email` feed the
 *   person key (upn stays null: Okta has none);
 * - groups are `group` entitlements and apps `app` entitlements (resource null), except API service apps,
 *   which nobody is assigned to: they are identities only; admin roles are privileged
 *   `directory_role` entitlements with resource `directory`, keyed by the role type (`SUPER_ADMIN`), or by the
 *   custom role id for custom roles, so every holder of a role shares one entitlement;
 * - grants: a membership and a user-scoped app assignment are held by the identity; an app assigned to a group
 *   is held by the group (principalType `group`) and reaches the group's members as an inherited grant; app
 *   users with scope GROUP are those inherited grants as Okta reports them, so they are not direct grants;
 * - API service apps and API tokens are `service` identities. Service apps' owners come from the policy's
 *   owner map (left empty here); a token's owner is the id of the user who made it, and the token itself is
 *   its `api_token` credential.
 */
import type { IdentityStatus } from '../../model/identity.ts'
import type { SyncBatch } from '../types.ts'
import type {
  OktaApiToken,
  OktaApp,
  OktaAppGroup,
  OktaAppUser,
  OktaGroup,
  OktaRoleAssignment,
  OktaUser,
} from './schema.ts'

type Identity = NonNullable<SyncBatch['identities']>[number]
type Entitlement = NonNullable<SyncBatch['entitlements']>[number]
type Grant = NonNullable<SyncBatch['grants']>[number]
type Credential = NonNullable<SyncBatch['credentials']>[number]

const STATUS: Record<OktaUser['status'], IdentityStatus> = {
  STAGED: 'active',
  PROVISIONED: 'active',
  ACTIVE: 'active',
  RECOVERY: 'active',
  PASSWORD_EXPIRED: 'active',
  LOCKED_OUT: 'active',
  SUSPENDED: 'suspended',
  DEPROVISIONED: 'disabled',
}

export function userStatus(status: OktaUser['status']): IdentityStatus {
  return STATUS[status]
}

function date(iso: string | null | undefined): Date | null {
  return iso ? new Date(iso) : null
}

function blankToNull(s: string | null | undefined): string | null {
  return s?.trim() ? s : null
}

export function toIdentity(u: OktaUser): Identity {
  const p = u.profile
  const name = blankToNull(p.displayName) ?? blankToNull([p.firstName, p.lastName].filter(Boolean).join(' '))
  return {
    externalId: u.id,
    kind: 'human',
    login: p.login,
    email: blankToNull(p.email),
    upn: null,
    displayName: name,
    status: userStatus(u.status),
    owners: [],
    createdAt: date(u.created),
  }
}

export function groupEntitlement(g: OktaGroup): Entitlement {
  return {
    externalId: g.id,
    type: 'group',
    name: g.profile.name,
    resource: null,
    privileged: false,
    owners: [],
  }
}

export function membershipGrant(groupId: string, userId: string): Grant {
  return { principalType: 'identity', principalId: userId, entitlementId: groupId, grantedAt: null }
}

export function appEntitlement(a: OktaApp): Entitlement {
  return { externalId: a.id, type: 'app', name: a.label, resource: null, privileged: false, owners: [] }
}

/** A user's own assignment; `undefined` for a GROUP-scoped row, which the group's assignment confers. */
export function appUserGrant(appId: string, u: OktaAppUser): Grant | undefined {
  if (u.scope !== 'USER') return undefined
  return { principalType: 'identity', principalId: u.id, entitlementId: appId, grantedAt: date(u.created) }
}

export function appGroupGrant(appId: string, g: OktaAppGroup): Grant {
  // Okta gives only `lastUpdated` for a group assignment, which moves on priority changes: not a grant time.
  return { principalType: 'group', principalId: g.id, entitlementId: appId, grantedAt: null }
}

/** API service apps: OAuth clients of Okta's own APIs, i.e. machines acting on the org. */
export function isApiServiceApp(a: OktaApp): boolean {
  return a.settings?.oauthClient?.application_type === 'service'
}

export function serviceAppIdentity(a: OktaApp): Identity {
  return {
    externalId: a.id,
    kind: 'service',
    // An OAuth client's client_id is its app id in Okta; prefer what Okta says when it says it.
    login: a.credentials?.oauthClient?.client_id ?? a.id,
    email: null,
    upn: null,
    displayName: a.label,
    status: a.status === 'ACTIVE' ? 'active' : 'disabled',
    owners: [],
    createdAt: date(a.created),
  }
}

export function apiTokenIdentity(t: OktaApiToken): Identity {
  return {
    externalId: t.id,
    kind: 'service',
    login: null,
    email: null,
    upn: null,
    displayName: t.name,
    status: 'active',
    owners: [t.userId],
    createdAt: date(t.created),
  }
}

export function apiTokenCredential(t: OktaApiToken): Credential {
  return {
    identityId: t.id,
    keyId: t.id,
    type: 'api_token',
    displayName: t.name,
    createdAt: date(t.created),
    expiresAt: date(t.expiresAt),
    lastUsedAt: null,
  }
}

/** Standard roles are one entitlement per type; custom roles one per custom role id. */
export function roleEntitlementId(r: OktaRoleAssignment): string {
  return r.type === 'CUSTOM' && r.role ? r.role : r.type
}

export function roleEntitlement(r: OktaRoleAssignment): Entitlement {
  return {
    externalId: roleEntitlementId(r),
    type: 'directory_role',
    name: r.label,
    resource: 'directory',
    privileged: true,
    owners: [],
  }
}

const GROUP_HREF = /\/api\/v1\/groups\/([^/?#]+)/

/**
 * A role as listed for one user. A role the user holds through a group (`assignmentType: GROUP`) is the
 * group's grant when Okta names the group in `_links.assignee`; the group's members inherit it.
 */
export function roleGrant(userId: string, r: OktaRoleAssignment): Grant {
  const entitlementId = roleEntitlementId(r)
  const grantedAt = date(r.created)
  if (r.assignmentType === 'GROUP') {
    const groupId = GROUP_HREF.exec(r._links?.assignee?.href ?? '')?.[1]
    if (groupId) return { principalType: 'group', principalId: groupId, entitlementId, grantedAt }
  }
  return { principalType: 'identity', principalId: userId, entitlementId, grantedAt }
}

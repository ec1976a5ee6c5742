import type { ObservedCredential, ObservedEntitlement, ObservedGrant, ObservedIdentity } from '../types.ts'
import type {
  RawAppRoleAssignment,
  RawGroup,
  RawMemberRef,
  RawResource,
  RawRoleAssignment,
  RawRoleDefinition,
  RawRoleEligibility,
  RawServicePrincipal,
  RawUser,
} from './schema.ts'

/**
 * Graph payloads to the model. Pure functions; the conventions (ids, kinds, names) are in docs/decisions.md
 * under "Entra connector" and are what the scenario generator's `intended` records must equal.
 */

export type Identity = Omit<ObservedIdentity, 'source'>
export type Entitlement = Omit<ObservedEntitlement, 'source'>
export type Grant = Omit<ObservedGrant, 'source'>
export type CredentialRecord = Omit<ObservedCredential, 'source'>

/** The tenant that owns Microsoft's first-party applications. */
export const MICROSOFT_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a'
/** The app role id of "default access" (an app assignment without a specific role). */
export const DEFAULT_ACCESS_ROLE_ID = '00000000-0000-0000-0000-000000000000'
/** The `resource` of directory roles. */
export const DIRECTORY_RESOURCE = 'directory'

const date = (s: string | null | undefined): Date | null => (s ? new Date(s) : null)

/**
 * A user, filled from `previous` (the stored identity) where a delta round sent only changed properties.
 * Returns a reason string when the record cannot be built (a partial user never seen before).
 */
export function userToIdentity(u: RawUser, previous?: Identity): Identity | string {
  const upn = u.userPrincipalName ?? previous?.upn ?? undefined
  if (!upn) return 'userPrincipalName missing and no stored record to complete it'
  const kind =
    u.userType === undefined
      ? (previous?.kind ?? 'human')
      : u.userType?.toLowerCase() === 'guest'
        ? 'guest'
        : 'human'
  const enabled =
    u.accountEnabled === undefined ? previous?.status !== 'disabled' : u.accountEnabled !== false
  return {
    externalId: u.id,
    kind,
    // The UPN is the sign-in name; `login` stays for vendors with a separate one (Okta).
    login: null,
    email: u.mail === undefined ? (previous?.email ?? null) : u.mail,
    upn,
    displayName: u.displayName === undefined ? (previous?.displayName ?? null) : u.displayName,
    status: enabled ? 'active' : 'disabled',
    owners: [],
    createdAt: u.createdDateTime === undefined ? (previous?.createdAt ?? null) : date(u.createdDateTime),
  }
}

export function isMicrosoftFirstParty(sp: { appOwnerOrganizationId?: string | null }): boolean {
  return sp.appOwnerOrganizationId?.toLowerCase() === MICROSOFT_TENANT_ID
}

/**
 * A service principal or managed identity as a non-human identity. Owners (object ids): the SP's own owners,
 * else its app registration's; a managed identity has none by nature (the policy's owner map names them).
 * `createdAt` is the SP's own creation time when Graph sends it.
 */
export function servicePrincipalToIdentity(
  sp: RawServicePrincipal,
  owners: { sp: readonly string[]; app: readonly string[] },
): Identity {
  const managed = sp.servicePrincipalType === 'ManagedIdentity'
  return {
    externalId: sp.id,
    kind: managed ? 'managed_identity' : 'service',
    login: null,
    email: null,
    upn: null,
    displayName: sp.displayName ?? null,
    status: sp.accountEnabled === false ? 'disabled' : 'active',
    owners: managed ? [] : [...(owners.sp.length ? owners.sp : owners.app)],
    createdAt: date(sp.createdDateTime),
  }
}

type RawCredentials = Pick<RawServicePrincipal, 'passwordCredentials' | 'keyCredentials'>

/**
 * Password and key credentials of an SP and of its app registration, held by the SP identity. A key id on
 * both counts once (the SP's). Password credentials are secrets, key credentials certificates.
 */
export function credentialsOf(spId: string, ...sources: (RawCredentials | undefined)[]): CredentialRecord[] {
  const out = new Map<string, CredentialRecord>()
  for (const s of sources) {
    for (const p of s?.passwordCredentials ?? []) {
      if (out.has(p.keyId)) continue
      out.set(p.keyId, {
        identityId: spId,
        keyId: p.keyId,
        type: 'secret',
        displayName: p.displayName ?? null,
        createdAt: date(p.startDateTime),
        expiresAt: date(p.endDateTime),
        lastUsedAt: null,
      })
    }
    for (const k of s?.keyCredentials ?? []) {
      if (out.has(k.keyId)) continue
      out.set(k.keyId, {
        identityId: spId,
        keyId: k.keyId,
        type: 'certificate',
        displayName: k.displayName ?? null,
        createdAt: date(k.startDateTime),
        expiresAt: date(k.endDateTime),
        lastUsedAt: null,
      })
    }
  }
  return [...out.values()]
}

/** A group as an entitlement; `previous` fills what a delta round did not send. */
export function groupToEntitlement(g: RawGroup, previous?: Entitlement): Entitlement | undefined {
  const name = g.displayName ?? previous?.name
  if (name === undefined || name === null) return undefined
  return {
    externalId: g.id,
    type: 'group',
    name,
    resource: null,
    privileged: false,
    owners: previous?.owners ?? [],
  }
}

/** Who a member reference is as a grant principal; contacts and devices hold no access we track. */
export function memberPrincipal(m: RawMemberRef): Pick<Grant, 'principalType' | 'principalId'> | undefined {
  const t = m['@odata.type']?.toLowerCase()
  if (t === '#microsoft.graph.group') return { principalType: 'group', principalId: m.id }
  if (t === undefined || t === '#microsoft.graph.user' || t === '#microsoft.graph.serviceprincipal') {
    return { principalType: 'identity', principalId: m.id }
  }
  return undefined
}

/** An app role entitlement's id: `<resource sp id>/<app role id>` (default access is the all-zero role id). */
export function appEntitlementId(resourceId: string, appRoleId: string): string {
  return `${resourceId}/${appRoleId}`
}

/**
 * A resource's entitlements: one `app_role` per app role it defines, named `<app>:<role>` (how tickets name
 * them), with the resource SP's id as `resource`; and, when someone holds default access (an assignment with
 * the all-zero role id), that as an `app` entitlement named after the app.
 */
export function resourceEntitlements(r: RawResource, hasDefaultAccess: boolean): Entitlement[] {
  const app = r.displayName ?? r.id
  const out: Entitlement[] = (r.appRoles ?? []).map((role) => ({
    externalId: appEntitlementId(r.id, role.id),
    type: role.id === DEFAULT_ACCESS_ROLE_ID ? 'app' : 'app_role',
    name: `${app}:${role.displayName ?? role.value ?? role.id}`,
    resource: r.id,
    privileged: false,
    owners: [],
  }))
  if (hasDefaultAccess && !(r.appRoles ?? []).some((role) => role.id === DEFAULT_ACCESS_ROLE_ID)) {
    out.push({
      externalId: appEntitlementId(r.id, DEFAULT_ACCESS_ROLE_ID),
      type: 'app',
      name: app,
      resource: r.id,
      privileged: false,
      owners: [],
    })
  }
  return out
}

/** An app role assignment (to a user, a group or a service principal); createdDateTime is the grant time. */
export function appRoleAssignmentToGrant(a: RawAppRoleAssignment): Grant | undefined {
  if (a.deletedDateTime) return undefined
  return {
    principalType: a.principalType.toLowerCase() === 'group' ? 'group' : 'identity',
    principalId: a.principalId,
    entitlementId: appEntitlementId(a.resourceId, a.appRoleId),
    grantedAt: date(a.createdDateTime),
  }
}

/** Directory roles are tenant-wide unless scoped (an administrative unit, an app): the scope is part of the id. */
export function directoryRoleId(roleDefinitionId: string, scope: string | null | undefined): string {
  return !scope || scope === '/' ? roleDefinitionId : `${roleDefinitionId}@${scope}`
}

export function roleDefinitionToEntitlement(d: RawRoleDefinition, scope = '/'): Entitlement {
  return {
    externalId: directoryRoleId(d.id, scope),
    type: 'directory_role',
    name: scope === '/' ? d.displayName : `${d.displayName} (${scope})`,
    resource: DIRECTORY_RESOURCE,
    privileged: true,
    owners: [],
  }
}

/**
 * Eligibility for a role (PIM) is access one activation away: its own entitlement, `<role id>#eligible`, named
 * `<role> (eligible)`, privileged like the role.
 */
export function eligibleRoleEntitlement(d: RawRoleDefinition, scope = '/'): Entitlement {
  const role = roleDefinitionToEntitlement(d, scope)
  return { ...role, externalId: `${role.externalId}#eligible`, name: `${role.name} (eligible)` }
}

export function roleEligibilityToGrant(e: RawRoleEligibility, principalIsGroup: boolean): Grant {
  return {
    principalType: principalIsGroup ? 'group' : 'identity',
    principalId: e.principalId,
    entitlementId: `${directoryRoleId(e.roleDefinitionId, e.directoryScopeId)}#eligible`,
    grantedAt: date(e.createdDateTime),
  }
}

/** A role assignment; Graph gives it no time. Whether the principal is a group is known from the store. */
export function roleAssignmentToGrant(a: RawRoleAssignment, principalIsGroup: boolean): Grant {
  return {
    principalType: principalIsGroup ? 'group' : 'identity',
    principalId: a.principalId,
    entitlementId: directoryRoleId(a.roleDefinitionId, a.directoryScopeId),
    grantedAt: null,
  }
}

import { z } from 'zod'
import { Source, Timestamp } from './common.ts'

/**
 * Who holds a direct grant. Usually an identity; a group when the vendor assigns to a group (a nested Entra
 * group, an app role or Okta app assigned to a group). Group principals confer inherited grants.
 */
export const PrincipalType = z.enum(['identity', 'group'])
export type PrincipalType = z.infer<typeof PrincipalType>

/** What the vendor assigns and what can be removed: a membership, an app or app-role assignment, a role. */
export const DirectGrant = z.object({
  source: Source,
  principalType: PrincipalType,
  principalId: z.string().min(1),
  entitlementId: z.string().min(1),
  /** When the vendor says the grant was made; null when it does not (then `firstSeen` stands in). */
  grantedAt: Timestamp.nullable(),
  firstSeen: Timestamp,
  lastSeen: Timestamp,
  removedAt: Timestamp.nullable(),
})
export type DirectGrant = z.infer<typeof DirectGrant>

/** One link of the chain of direct grants that confers an inherited grant. */
export const GrantRef = z.object({
  principalType: PrincipalType,
  principalId: z.string(),
  entitlementId: z.string(),
})
export type GrantRef = z.infer<typeof GrantRef>

/**
 * Access an identity holds through its direct grants: nested group membership (Entra, transitive) or an
 * app/app role assigned to a group it is a direct member of. Derived, never stored as a vendor fact.
 */
export const InheritedGrant = z.object({
  source: Source,
  identityId: z.string(),
  entitlementId: z.string(),
  /** From the identity's own direct grant to the grant that carries the entitlement. */
  path: z.array(GrantRef).min(2),
})
export type InheritedGrant = z.infer<typeof InheritedGrant>

export function grantKey(g: Pick<DirectGrant, 'source' | 'principalType' | 'principalId' | 'entitlementId'>) {
  return `${g.source}|${g.principalType}|${g.principalId}|${g.entitlementId}`
}

import { z } from 'zod'
import { Source, Timestamp } from './common.ts'

export const IdentityKind = z.enum(['human', 'service', 'managed_identity', 'guest'])
export type IdentityKind = z.infer<typeof IdentityKind>

export const IdentityStatus = z.enum(['active', 'suspended', 'disabled', 'deleted'])
export type IdentityStatus = z.infer<typeof IdentityStatus>

/** Non-human identity kinds: they keep their own identity instead of resolving to a person. */
export const NHI_KINDS: readonly IdentityKind[] = ['service', 'managed_identity']

/**
 * A principal in an identity provider: a person's account, a guest, or a non-human identity
 * (service principal, managed identity, API service app, API token).
 */
export const Identity = z.object({
  source: Source,
  externalId: z.string().min(1),
  kind: IdentityKind,
  login: z.string().nullable(),
  email: z.string().nullable(),
  upn: z.string().nullable(),
  displayName: z.string().nullable(),
  status: IdentityStatus,
  /** Owners as the vendor names them (emails, logins or the vendor ids of owning users). */
  owners: z.array(z.string()),
  createdAt: Timestamp.nullable(),
  firstSeen: Timestamp,
  lastSeen: Timestamp,
})
export type Identity = z.infer<typeof Identity>

export function isNonHuman(kind: IdentityKind): boolean {
  return NHI_KINDS.includes(kind)
}

import { z } from 'zod'
import { Source, Timestamp } from './common.ts'

export const CredentialType = z.enum(['secret', 'certificate', 'api_token'])
export type CredentialType = z.infer<typeof CredentialType>

/** A credential of a non-human identity. Never the secret itself: only its id and dates. */
export const Credential = z.object({
  source: Source,
  identityId: z.string().min(1),
  keyId: z.string().min(1),
  type: CredentialType,
  displayName: z.string().nullable(),
  createdAt: Timestamp.nullable(),
  expiresAt: Timestamp.nullable(),
  lastUsedAt: Timestamp.nullable(),
  firstSeen: Timestamp,
  lastSeen: Timestamp,
})
export type Credential = z.infer<typeof Credential>

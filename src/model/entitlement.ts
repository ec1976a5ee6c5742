import { z } from 'zod'
import { Source, Timestamp } from './common.ts'

export const EntitlementType = z.enum(['group', 'app', 'app_role', 'directory_role'])
export type EntitlementType = z.infer<typeof EntitlementType>

/** Something that can be granted: a group, an app, an app role or a directory (admin) role. */
export const Entitlement = z.object({
  source: Source,
  externalId: z.string().min(1),
  type: EntitlementType,
  name: z.string(),
  /** The app or directory the entitlement belongs to (an app role's app; `directory` for roles). */
  resource: z.string().nullable(),
  /** As the vendor reports it (directory roles, admin roles); the policy can add more. */
  privileged: z.boolean(),
  owners: z.array(z.string()),
  firstSeen: Timestamp,
  lastSeen: Timestamp,
})
export type Entitlement = z.infer<typeof Entitlement>

import { z } from 'zod'
import { connectorCommon, HttpUrl } from '../../config/connector-common.ts'

export const EntraConfig = z
  .strictObject({
    ...connectorCommon,
    kind: z.literal('entra'),
    tenantId: z.string().min(1),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1).optional(),
    clientCertificate: z
      .strictObject({
        /** SHA-1 (or SHA-256) thumbprint of the certificate registered on the app. */
        thumbprint: z.string().min(1),
        privateKey: z.string().min(1),
        certificate: z.string().optional(),
      })
      .optional(),
    authorityHost: HttpUrl.default('https://login.microsoftonline.com'),
    graphBaseUrl: HttpUrl.default('https://graph.microsoft.com/v1.0'),
    /** Read eligible (PIM) role assignments too; needs RoleEligibilitySchedule.Read.Directory. */
    pim: z.boolean().default(false),
    includeMicrosoftFirstParty: z.boolean().default(false),
    /**
     * Graph has no delta for service principals, app role assignments and directory roles: an incremental run
     * re-lists them only when their last listing is older than this many minutes (0: on every run). Full runs
     * always list them.
     */
    relistMinutes: z.int().min(0).default(60),
    /**
     * Delta pages (about 100 objects each) are committed together until this many records: fewer transactions.
     * A killed run resumes from the last commit.
     */
    deltaCommitRecords: z.int().min(1).default(2000),
  })
  .superRefine((c, ctx) => {
    if (!c.clientSecret === !c.clientCertificate) {
      ctx.addIssue({
        code: 'custom',
        path: ['clientSecret'],
        message: 'expected exactly one of clientSecret or clientCertificate',
      })
    }
  })
export type EntraConfig = z.infer<typeof EntraConfig>

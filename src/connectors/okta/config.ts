import { z } from 'zod'
import { connectorCommon, HttpUrl } from '../../config/connector-common.ts'

export const OKTA_READ_SCOPES = [
  'okta.users.read',
  'okta.groups.read',
  'okta.apps.read',
  'okta.roles.read',
  'okta.logs.read',
  // API token metadata (`/api/v1/api-tokens`): the NHI stream of tokens needs it.
  'okta.apiTokens.read',
]

export const OktaConfig = z.strictObject({
  ...connectorCommon,
  kind: z.literal('okta'),
  orgUrl: HttpUrl,
  auth: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('ssws'), token: z.string().min(1) }),
    z.strictObject({
      type: z.literal('oauth'),
      clientId: z.string().min(1),
      /** PEM (PKCS#8) or JWK JSON of the key registered on the API service app. */
      privateKey: z.string().min(1),
      keyId: z.string().optional(),
      scopes: z.array(z.string()).default(OKTA_READ_SCOPES),
      tokenUrl: HttpUrl.optional(),
    }),
  ]),
})
export type OktaConfig = z.infer<typeof OktaConfig>

import { defineConnector } from '../types.ts'
import { checkEntra } from './check.ts'
import { EntraConfig } from './config.ts'
import { ENTRA_STREAMS, syncEntra } from './streams/index.ts'

/**
 * Microsoft Entra ID through Microsoft Graph v1.0: users, groups and memberships (delta), service principals
 * and managed identities with their credentials, app role assignments and directory roles.
 */
export const entraConnector = defineConnector({
  kind: 'entra',
  title: 'Microsoft Entra ID',
  configSchema: EntraConfig,
  entitlementSource: { streams: ENTRA_STREAMS, sync: syncEntra },
  check: checkEntra,
})

import { defineConnector } from '../types.ts'
import { checkOkta } from './check.ts'
import { OktaConfig } from './config.ts'
import { oktaEntitlementSource } from './streams/index.ts'

export const oktaConnector = defineConnector({
  kind: 'okta',
  title: 'Okta',
  configSchema: OktaConfig,
  entitlementSource: oktaEntitlementSource,
  check: checkOkta,
})

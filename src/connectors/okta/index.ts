import { defineConnector } from '../types.ts'
import { OktaConfig } from './config.ts'

export const oktaConnector = defineConnector({
  kind: 'okta',
  title: 'Okta',
  configSchema: OktaConfig,
})

import { defineConnector } from '../types.ts'
import { EntraConfig } from './config.ts'

export const entraConnector = defineConnector({
  kind: 'entra',
  title: 'Microsoft Entra ID',
  configSchema: EntraConfig,
})

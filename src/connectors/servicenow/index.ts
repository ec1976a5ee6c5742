import { defineConnector } from '../types.ts'
import { ServiceNowConfig, ServiceNowSinkConfig } from './config.ts'

export const servicenowConnector = defineConnector({
  kind: 'servicenow',
  title: 'ServiceNow',
  configSchema: ServiceNowConfig,
  sinkConfigSchema: ServiceNowSinkConfig,
})

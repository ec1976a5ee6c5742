import { defineConnector } from '../types.ts'
import { checkServiceNow } from './check.ts'
import { ServiceNowConfig, ServiceNowSinkConfig } from './config.ts'
import { createServiceNowSink } from './sink.ts'
import { SERVICENOW_STREAMS, syncServiceNowTickets } from './streams.ts'

export const servicenowConnector = defineConnector({
  kind: 'servicenow',
  title: 'ServiceNow',
  configSchema: ServiceNowConfig,
  sinkConfigSchema: ServiceNowSinkConfig,
  ticketSource: { streams: SERVICENOW_STREAMS, sync: syncServiceNowTickets },
  createSink: createServiceNowSink,
  check: checkServiceNow,
})

import { defineConnector } from '../types.ts'
import { checkJira } from './check.ts'
import { JiraConfig, JiraSinkConfig } from './config.ts'
import { createJiraSink } from './sink.ts'
import { JIRA_STREAMS, syncJiraTickets } from './streams.ts'

export const jiraConnector = defineConnector({
  kind: 'jira',
  title: 'Jira Service Management',
  configSchema: JiraConfig,
  sinkConfigSchema: JiraSinkConfig,
  ticketSource: { streams: JIRA_STREAMS, sync: syncJiraTickets },
  createSink: createJiraSink,
  check: checkJira,
})

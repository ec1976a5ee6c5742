import { defineConnector } from '../types.ts'
import { JiraConfig, JiraSinkConfig } from './config.ts'

export const jiraConnector = defineConnector({
  kind: 'jira',
  title: 'Jira Service Management',
  configSchema: JiraConfig,
  sinkConfigSchema: JiraSinkConfig,
})

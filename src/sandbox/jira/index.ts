/**
 * The Jira Cloud (REST v3) + Jira Service Management simulator (vendor-apis.md section 2): enhanced search
 * `GET|POST /rest/api/3/search/jql` over a JQL subset with `nextPageToken` paging and eventual consistency
 * (`searchDelayMs`), the removed `/rest/api/3/search` answering 410, issue create (ADF validated), get,
 * transitions, comments, issue properties, `/rest/api/3/field`, `/rest/api/3/user`, JSM approvals with offset
 * paging, basic auth with API tokens, and Jira's burst rate limiting. Start it with
 * `startJiraSimulator(tenant.jira, options)`; its control handle (`sim.control`) approves, rejects, fulfils,
 * cancels and transitions requests, creates them and edits fields.
 */
export type { JiraCredentials } from './auth.ts'
export { JiraDatabase } from './database.ts'
export { jiraDateTime } from './dates.ts'
export { type JqlQuery, parseJql } from './jql.ts'
export {
  type JiraSimulator,
  type JiraSimulatorOptions,
  jiraBehaviour,
  SANDBOX_JIRA_CREDENTIALS,
  startJiraSimulator,
} from './simulator.ts'

import { stringify } from 'yaml'
import type { PolicyInput } from '../../config/policy.ts'
import { JIRA_FIELDS } from './catalog.ts'

/**
 * The accord.yaml and policy.yaml a sandbox run uses: the four connectors (ids `entra`, `okta`,
 * `servicenow`, `jira`) pointed at the simulators, ticket mappings for the scenario's ServiceNow variables
 * and Jira custom fields, routes and exports as in DESIGN's example. Secrets are `file:` references to
 * files in `secretsDir` (named by SECRET_FILES); the sandbox writes them with the simulators' credentials.
 */

export interface SandboxUrls {
  servicenow: string
  jira: string
  /** Graph base URL including `/v1.0`. */
  graph: string
  /** The Entra authority host (the token endpoint's origin). */
  login: string
  okta: string
}

export interface SandboxConfigOptions {
  urls: SandboxUrls
  /** Directory of the secret files; relative paths resolve against the config file's directory. */
  secretsDir: string
  /** The embedded store's directory. */
  storePath: string
  /** The Entra tenant and the app registration accord signs in as (from the generated tenant). */
  entra: { tenantId: string; clientId: string }
  /** CA bundle the connectors trust (the sandbox's generated CA for its HTTPS endpoints). */
  caFile?: string
  /** The policy file name written beside the config. */
  policyFile?: string
}

/** Secret file names under `secretsDir`. */
export const SECRET_FILES = {
  servicenowPassword: 'servicenow-password',
  jiraToken: 'jira-token',
  entraClientSecret: 'entra-client-secret',
  oktaToken: 'okta-token',
} as const

export const SANDBOX_ACCOUNTS = { servicenowUser: 'svc_accord', jiraEmail: 'svc-accord@contoso.com' } as const

const field = (id: string, path = '') => `fields.${id}${path}`

export function sandboxConfig(o: SandboxConfigOptions): { config: Record<string, unknown>; yaml: string } {
  const secret = (name: string) => `file:${o.secretsDir.replace(/\/+$/, '')}/${name}`
  const tls = o.caFile ? { tls: { caFile: o.caFile } } : {}
  const config = {
    store: { path: o.storePath },
    connectors: [
      {
        id: 'servicenow',
        kind: 'servicenow',
        baseUrl: o.urls.servicenow,
        auth: {
          type: 'basic',
          username: SANDBOX_ACCOUNTS.servicenowUser,
          password: secret(SECRET_FILES.servicenowPassword),
        },
        ...tls,
        tickets: {
          table: 'sc_req_item',
          filter: 'cat_item.name=Access Request^ORcat_item.name=Service Account Request',
          map: {
            kind: {
              from: 'variables.action',
              values: { add: 'grant', remove: 'revoke', service_account: 'service_account' },
            },
            beneficiary: { from: 'requested_for.user_name' },
            requester: { from: 'opened_by.email' },
            system: { from: 'variables.target_system' },
            targets: { from: 'variables.group_name', split: ',' },
            expiresAt: { from: 'variables.end_date', date: { format: 'yyyy-MM-dd HH:mm:ss', zone: 'UTC' } },
            state: {
              from: 'state',
              values: { '3': 'fulfilled', '4': 'cancelled', '7': 'cancelled' },
              default: 'open',
            },
            approval: {
              from: 'approval',
              values: { approved: 'approved', rejected: 'rejected' },
              default: 'pending',
            },
            justification: { from: 'short_description' },
          },
        },
      },
      {
        id: 'jira',
        kind: 'jira',
        baseUrl: o.urls.jira,
        auth: { type: 'basic', email: SANDBOX_ACCOUNTS.jiraEmail, token: secret(SECRET_FILES.jiraToken) },
        ...tls,
        tickets: {
          jql: 'project = ACCESS',
          map: {
            kind: {
              from: field(JIRA_FIELDS.action.id, '.value'),
              values: { Add: 'grant', Remove: 'revoke', 'Service account': 'service_account' },
            },
            beneficiary: { from: field(JIRA_FIELDS.beneficiary.id) },
            requester: { from: 'fields.reporter.emailAddress' },
            system: { from: field(JIRA_FIELDS.targetSystem.id, '.value') },
            targets: { from: field(JIRA_FIELDS.entitlements.id), split: ',' },
            expiresAt: { from: field(JIRA_FIELDS.endDate.id) },
            state: {
              from: 'fields.status.name',
              values: {
                'Waiting for approval': 'open',
                'In Progress': 'approved',
                Done: 'fulfilled',
                Declined: 'rejected',
                Canceled: 'cancelled',
              },
              default: 'open',
            },
            justification: { from: 'fields.summary' },
          },
          statuses: { fulfilled: ['Done'], rejected: ['Declined'], cancelled: ['Canceled'] },
        },
      },
      {
        id: 'entra',
        kind: 'entra',
        tenantId: o.entra.tenantId,
        clientId: o.entra.clientId,
        clientSecret: secret(SECRET_FILES.entraClientSecret),
        authorityHost: o.urls.login,
        graphBaseUrl: o.urls.graph,
        ...tls,
      },
      {
        id: 'okta',
        kind: 'okta',
        orgUrl: o.urls.okta,
        auth: { type: 'ssws', token: secret(SECRET_FILES.oktaToken) },
        ...tls,
      },
    ],
    policy: o.policyFile ?? 'policy.yaml',
    reconcile: { schedule: '*/15 * * * *', lookBackDays: 400 },
    raise: {
      minSeverity: 'high',
      maxNewPerRun: 50,
      routes: [{ when: { source: 'okta' }, to: 'jira' }, { to: 'servicenow' }],
      sinks: {
        servicenow: { table: 'incident', assignmentGroup: 'IAM Operations' },
        jira: { project: 'IAM', issueType: 'Task' },
      },
    },
    exports: [
      { id: 'ocsf-file', type: 'file', format: 'ocsf', path: './findings.ocsf.jsonl' },
      { id: 'cef-file', type: 'file', format: 'cef', path: './findings.cef' },
    ],
  }
  return {
    config,
    yaml: `# accord sandbox configuration (generated)\n${stringify(config, { lineWidth: 0, aliasDuplicateObjects: false })}`,
  }
}

export function policyYaml(policy: PolicyInput): string {
  return `# accord sandbox policy (generated): what the scenario's planted findings assume\n${stringify(policy, { lineWidth: 0, aliasDuplicateObjects: false })}`
}

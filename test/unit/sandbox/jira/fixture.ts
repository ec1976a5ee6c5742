import type { JiraApproval, JiraIssue, JiraTenant, JiraUser } from '../../../../src/sandbox/state.ts'

export const USERS: Record<string, JiraUser> = {
  svc: {
    accountId: '712020:svc',
    displayName: 'accord',
    emailAddress: 'svc-accord@contoso.com',
    active: true,
    accountType: 'atlassian',
  },
  alice: {
    accountId: '712020:alice',
    displayName: 'Alice Adams',
    emailAddress: 'alice@contoso.com',
    active: true,
    accountType: 'atlassian',
  },
  // Bob hides his email: the API leaves emailAddress out.
  bob: { accountId: '712020:bob', displayName: 'Bob Brown', active: true, accountType: 'atlassian' },
  carol: {
    accountId: '712020:carol',
    displayName: 'Carol Clark',
    emailAddress: 'carol@contoso.com',
    active: true,
    accountType: 'atlassian',
  },
}

const STATUSES: JiraTenant['statuses'] = [
  { id: '1', name: 'Open', statusCategory: { id: 2, key: 'new', name: 'To Do' } },
  { id: '3', name: 'In Progress', statusCategory: { id: 4, key: 'indeterminate', name: 'In Progress' } },
  { id: '10001', name: 'Done', statusCategory: { id: 3, key: 'done', name: 'Done' } },
  { id: '10002', name: 'Declined', statusCategory: { id: 3, key: 'done', name: 'Done' } },
  { id: '10003', name: 'Canceled', statusCategory: { id: 3, key: 'done', name: 'Done' } },
]

function status(id: string) {
  const s = STATUSES.find((x) => x.id === id)!
  return { id: s.id, name: s.name, statusCategory: { ...s.statusCategory, colorName: 'yellow' } }
}

/** ACCESS-1..N: odd issues add, even remove; issues 1-4 done, others open; ACCESS-3 carries 3 approvals. */
export function smallJira(n = 12): JiraTenant {
  const issues: JiraIssue[] = []
  for (let i = 1; i <= n; i++) {
    const day = String(i).padStart(2, '0')
    const approvals: JiraApproval[] = [
      {
        id: `${i}01`,
        name: 'Manager approval',
        finalDecision: i <= 4 ? 'approved' : 'pending',
        approvers: [{ approver: USERS.carol!, approverDecision: i <= 4 ? 'approved' : 'pending' }],
        createdDate: `2026-11-${day}T09:00:00.000+0900`,
        completedDate: i <= 4 ? `2026-11-${day}T10:00:00.000+0900` : null,
      },
    ]
    if (i === 3) {
      for (const k of [2, 3]) {
        approvals.push({
          id: `30${k}`,
          name: `Owner approval ${k}`,
          finalDecision: 'approved',
          approvers: [{ approver: USERS.bob!, approverDecision: 'approved' }],
          createdDate: '2026-11-03T09:30:00.000+0900',
          completedDate: '2026-11-03T09:45:00.000+0900',
        })
      }
    }
    issues.push({
      id: String(20000 + i),
      key: `ACCESS-${i}`,
      fields: {
        summary: `Access request ${i}`,
        project: { id: '10000', key: 'ACCESS', name: 'Access' },
        issuetype: { id: '10100', name: 'Access Request' },
        status: status(i <= 4 ? '10001' : '1'),
        labels: i % 3 === 0 ? ['vpn', 'urgent'] : [],
        reporter: { accountId: USERS.alice!.accountId, displayName: 'Alice Adams' },
        created: `2026-11-${day}T09:00:00.000+0900`,
        updated: `2026-11-${day}T12:00:00.000+0000`,
        resolutiondate: null,
        customfield_10071: i % 2 ? 'alice@contoso.com' : 'bob@contoso.com',
        customfield_10072: { id: i % 2 ? '1' : '2', value: i % 2 ? 'Add' : 'Remove' },
        customfield_10073: `group-${i},vpn`,
        customfield_10074: i === 5 ? '2026-12-31' : null,
      },
      properties: i === 2 ? { accord: { fingerprint: 'f-2' } } : {},
      approvals,
      comments: [],
    })
  }
  return {
    site: 'contoso.atlassian.net',
    projects: [
      { id: '10000', key: 'ACCESS', name: 'Access' },
      { id: '10001', key: 'IAM', name: 'IAM Operations' },
    ],
    fields: [
      {
        id: 'customfield_10071',
        name: 'Beneficiary email',
        custom: true,
        schema: {
          type: 'string',
          custom: 'com.atlassian.jira.plugin.system.customfieldtypes:textfield',
          customId: 10071,
        },
      },
      {
        id: 'customfield_10072',
        name: 'Action',
        custom: true,
        schema: {
          type: 'option',
          custom: 'com.atlassian.jira.plugin.system.customfieldtypes:select',
          customId: 10072,
        },
      },
      {
        id: 'customfield_10073',
        name: 'Entitlements',
        custom: true,
        schema: {
          type: 'string',
          custom: 'com.atlassian.jira.plugin.system.customfieldtypes:textfield',
          customId: 10073,
        },
      },
      {
        id: 'customfield_10074',
        name: 'End date',
        custom: true,
        schema: {
          type: 'date',
          custom: 'com.atlassian.jira.plugin.system.customfieldtypes:datepicker',
          customId: 10074,
        },
      },
      {
        id: 'customfield_10075',
        name: 'Justification',
        custom: true,
        schema: {
          type: 'string',
          custom: 'com.atlassian.jira.plugin.system.customfieldtypes:textarea',
          customId: 10075,
        },
      },
    ],
    users: Object.values(USERS),
    issues,
    statuses: STATUSES,
    transitions: [
      { id: '11', name: 'Start', to: '3' },
      { id: '31', name: 'Done', to: '10001' },
      { id: '41', name: 'Decline', to: '10002' },
      { id: '51', name: 'Reopen', to: '1' },
    ],
  }
}

export const EMAIL = 'svc-accord@contoso.com'
export const TOKEN = 'sandbox-jira-api-token'
export const BASIC = `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`

// biome-ignore lint/suspicious/noExplicitAny: response bodies in tests are checked by value, not by type.
export type Json = any

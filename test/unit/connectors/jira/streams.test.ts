import nock from 'nock'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JiraConfig } from '../../../../src/connectors/jira/config.ts'
import { silentLogger } from '../../../../src/core/logger.ts'
import type { Store } from '../../../../src/store/open.ts'
import { listTickets } from '../../../../src/store/repositories/tickets.ts'
import { runConnectorSync } from '../../../../src/sync/run-connector.ts'
import { useHttpMock } from '../../../helpers/http-mock.ts'
import { openTempPglite } from '../../../helpers/store.ts'

const BASE = 'https://acme.atlassian.net'

const config = JiraConfig.parse({
  id: 'jira',
  kind: 'jira',
  baseUrl: BASE,
  auth: { type: 'basic', email: 'svc@acme.com', token: 'jira-token-secret' },
  pageSize: 2,
  tickets: {
    jql: 'project = ACCESS OR project = IAM',
    map: {
      kind: { from: 'fields.customfield_10072.value', values: { Add: 'grant', Remove: 'revoke' } },
      beneficiary: { from: 'fields["Beneficiary email"]' },
      targets: { from: 'fields.customfield_10073.value' },
      expiresAt: { from: 'fields.customfield_10074' },
    },
  },
})

const status = (name: string, key: 'new' | 'indeterminate' | 'done') => ({
  id: '1',
  name,
  statusCategory: { id: 2, key, name, colorName: 'x' },
})

const issue = (n: number, fields: Record<string, unknown>) => ({
  id: String(10000 + n),
  key: `ACCESS-${n}`,
  self: `${BASE}/rest/api/3/issue/${10000 + n}`,
  fields: {
    summary: 'Access request',
    status: status('Waiting for approval', 'new'),
    resolution: null,
    reporter: { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Rita' },
    created: '2026-05-15T09:00:00.000+0900',
    updated: '2026-05-15T10:00:00.000+0900',
    resolutiondate: null,
    customfield_10072: { id: '1', value: 'Add' },
    customfield_10071: 'ann@contoso.com',
    customfield_10073: [{ value: 'GitHub-Admins' }],
    customfield_10074: null,
    ...fields,
  },
})

const approval = (
  id: string,
  finalDecision: string,
  who: { accountId: string; emailAddress?: string }[],
) => ({
  id,
  name: 'Manager approval',
  finalDecision,
  canAnswerApproval: false,
  approvers: who.map((approver) => ({
    approver: { ...approver, active: true },
    approverDecision: finalDecision,
  })),
  createdDate: { iso8601: '2026-05-15T09:05:00+0900', epochMillis: 1778803500000 },
  completedDate:
    finalDecision === 'pending' ? null : { iso8601: '2026-05-15T09:30:00+0900', epochMillis: 1778805000000 },
})

describe('jira/streams: the tickets stream', () => {
  useHttpMock()
  let store: Store
  // One store per file (opening one is slow); each test uses its own connector id.
  beforeAll(async () => {
    store = await openTempPglite()
  })
  afterAll(async () => {
    await store.close()
  })

  it('follows nextPageToken until isLast, asks for explicit fields, reads JSM approvals page by page', async () => {
    const scope = nock(BASE)
    const bodies: Record<string, unknown>[] = []
    scope.get('/rest/api/3/field').reply(200, [
      { id: 'customfield_10071', name: 'Beneficiary email', custom: true },
      { id: 'summary', name: 'Summary', custom: false },
    ])
    scope
      .post('/rest/api/3/search/jql', (b) => {
        bodies.push(b)
        return !b.nextPageToken
      })
      .reply(200, {
        issues: [
          issue(1, {
            status: status('Done', 'done'),
            resolution: { name: 'Done' },
            resolutiondate: '2026-05-16T10:00:00.000+0900',
          }),
          issue(2, {
            customfield_10072: { value: 'Move' },
            customfield_10074: '2026-06-01T00:00:00.000+0200',
          }),
        ],
        nextPageToken: 'tok-2',
        isLast: false,
      })
    scope
      .post('/rest/api/3/search/jql', (b) => {
        bodies.push(b)
        return b.nextPageToken === 'tok-2'
      })
      .reply(200, {
        issues: [issue(3, { status: status('Declined', 'done'), resolution: { name: "Won't Do" } })],
        isLast: true,
      })
    // ACCESS-1: two approval pages (offset paging).
    scope
      .get('/rest/servicedeskapi/request/ACCESS-1/approval')
      .query({ start: '0', limit: '50' })
      .reply(200, {
        size: 1,
        start: 0,
        limit: 50,
        isLastPage: false,
        values: [approval('1', 'approved', [{ accountId: 'acc-carol', emailAddress: 'Carol@contoso.com' }])],
      })
    scope
      .get('/rest/servicedeskapi/request/ACCESS-1/approval')
      .query({ start: '1', limit: '50' })
      .reply(200, {
        size: 1,
        start: 1,
        limit: 50,
        isLastPage: true,
        values: [approval('2', 'approved', [{ accountId: 'acc-dave' }])],
      })
    // ACCESS-2 is not a service-desk request: 404, no approvals.
    scope
      .get('/rest/servicedeskapi/request/ACCESS-2/approval')
      .query(true)
      .reply(404, { errorMessages: ['Request does not exist'], errors: {} })
    scope
      .get('/rest/servicedeskapi/request/ACCESS-3/approval')
      .query(true)
      .reply(200, { isLastPage: true, values: [approval('3', 'declined', [{ accountId: 'acc-carol' }])] })

    const outcome = await runConnectorSync(store.db, config, { logger: silentLogger() })
    expect(outcome.error).toBeNull()
    expect(bodies[0]).toMatchObject({
      jql: '(project = ACCESS OR project = IAM) ORDER BY updated ASC, key ASC',
      maxResults: 2,
    })
    expect(bodies[0]!.fields).toEqual(
      expect.arrayContaining([
        'summary',
        'status',
        'resolution',
        'updated',
        'customfield_10071',
        'customfield_10072',
      ]),
    )
    const [t1, t2, t3] = await listTickets(store.db, 'jira')
    expect(t1).toMatchObject({
      key: 'ACCESS-1',
      externalId: '10001',
      url: `${BASE}/browse/ACCESS-1`,
      kind: 'grant',
      state: 'fulfilled',
      approval: 'approved',
      beneficiary: 'ann@contoso.com',
      requester: '5b10ac8d82e05b22cc7d4ef5',
      targets: [{ system: null, entitlement: 'GitHub-Admins' }],
      createdAt: new Date('2026-05-15T00:00:00Z'),
      closedAt: new Date('2026-05-16T01:00:00Z'),
      unmappable: null,
    })
    expect(t1!.approvals).toEqual([
      { approver: 'carol@contoso.com', decision: 'approved', decidedAt: new Date('2026-05-15T00:30:00Z') },
      { approver: 'acc-dave', decision: 'approved', decidedAt: new Date('2026-05-15T00:30:00Z') },
    ])
    expect(t2).toMatchObject({
      kind: 'other',
      approval: 'pending',
      state: 'open',
      expiresAt: new Date('2026-05-31T22:00:00Z'),
      unmappable:
        'kind: value "Move" at fields.customfield_10072.value is not one of "Add", "Remove" and there is no default',
    })
    expect(t3).toMatchObject({ state: 'rejected', approval: 'rejected' })
  })

  it('reports issues returned without fields instead of mapping them as empty', async () => {
    nock(BASE)
      .post('/rest/api/3/search/jql')
      .reply(200, { issues: [{ id: '10001', key: 'ACCESS-1' }], isLast: true })
    const noApprovals = JiraConfig.parse({
      ...config,
      id: 'jira-nofields',
      tickets: {
        ...config.tickets!,
        approvals: false,
        overlap: '5m',
        map: { ...config.tickets!.map, beneficiary: { from: 'fields.customfield_10071' } },
      },
    })
    const outcome = await runConnectorSync(store.db, noApprovals, { logger: silentLogger() })
    expect(outcome.status).toBe('failed')
    expect(outcome.error).toMatch(/1 of 1 tickets records failed validation/)
    expect(await listTickets(store.db, 'jira-nofields')).toEqual([])
  })

  it('refuses a field display name Jira does not have, naming it', async () => {
    nock(BASE)
      .get('/rest/api/3/field')
      .reply(200, [{ id: 'summary', name: 'Summary' }])
    const outcome = await runConnectorSync(store.db, config, { logger: silentLogger() })
    expect(outcome.error).toMatch(/tickets\.map\.beneficiary: Jira has no field named "Beneficiary email"/)
  })

  it('fails, removing nothing, when Jira says more pages follow but gives no token', async () => {
    const noApprovals = JiraConfig.parse({
      ...config,
      id: 'jira-notoken',
      tickets: {
        ...config.tickets!,
        approvals: false,
        overlap: '5m',
        map: { ...config.tickets!.map, beneficiary: { from: 'fields.customfield_10071' } },
      },
    })
    nock(BASE)
      .post('/rest/api/3/search/jql')
      .reply(200, { issues: [issue(1, {})], isLast: false })
    const outcome = await runConnectorSync(store.db, noApprovals, { logger: silentLogger() })
    expect(outcome.status).toBe('failed')
    expect(outcome.error).toMatch(/isLast: false\) but gave no nextPageToken/)
  })
})

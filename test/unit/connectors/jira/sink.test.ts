import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { adfFromSections } from '../../../../src/connectors/jira/adf.ts'
import { JiraConfig, JiraSinkConfig } from '../../../../src/connectors/jira/config.ts'
import { createJiraSink, FINDING_PROPERTY } from '../../../../src/connectors/jira/sink.ts'
import { silentLogger } from '../../../../src/core/logger.ts'
import type { Finding } from '../../../../src/model/finding.ts'
import { useHttpMock } from '../../../helpers/http-mock.ts'

const BASE = 'https://acme.atlassian.net'
const config = JiraConfig.parse({
  id: 'jira',
  kind: 'jira',
  baseUrl: BASE,
  auth: { type: 'basic', email: 'svc@acme.com', token: 'jira-token-secret' },
  searchConsistencyMs: 300,
})

const finding: Finding = {
  id: 'f3a9c0ffee',
  rule: 'ACC-003',
  severity: 'high',
  status: 'open',
  identity: { key: 'frank.li@contoso.com', kind: 'person' },
  entitlement: { source: 'okta', type: 'group', externalId: '00g1', name: 'Contractors-VPN' },
  ticket: { source: 'jira', key: 'ACCESS-7' },
  credentialKeyId: null,
  title: 'Revoke ticket fulfilled; access still present',
  evidence: { revokedAt: '2026-11-01T10:00:00Z', note: '' },
  firstSeen: new Date('2026-11-02T10:00:00Z'),
  lastSeen: new Date('2026-11-03T10:00:00Z'),
  resolvedAt: null,
  raisedTicket: null,
}

const sink = () =>
  createJiraSink(config, JiraSinkConfig.parse({ project: 'IAM' }), {
    logger: silentLogger(),
    signal: new AbortController().signal,
  })

const SEARCH_JQL = 'project = "IAM" AND labels = "accord-f3a9c0ffee" ORDER BY created DESC'

function search(scope: nock.Scope, issues: unknown[]) {
  return scope
    .post('/rest/api/3/search/jql', (b) => b.jql === SEARCH_JQL)
    .reply(200, { issues, isLast: true })
}

describe('jira/sink', () => {
  useHttpMock()

  it('builds a valid ADF document: headings, bullet lists, no empty text nodes', () => {
    const doc = adfFromSections([
      { heading: 'Finding', lines: ['one', ''] },
      { heading: 'Empty', lines: [] },
    ])
    expect(doc).toEqual({
      version: 1,
      type: 'doc',
      content: [
        { type: 'heading', attrs: { level: 3 }, content: [{ type: 'text', text: 'Finding' }] },
        {
          type: 'bulletList',
          content: [
            { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'one' }] }] },
          ],
        },
        { type: 'heading', attrs: { level: 3 }, content: [{ type: 'text', text: 'Empty' }] },
      ],
    })
  })

  it('raising one finding twice creates one issue with priority, labels, fingerprint property and ADF', async () => {
    const scope = nock(BASE)
    let body: { fields: Record<string, unknown>; properties: unknown[] } | undefined
    search(scope, [])
    scope
      .post('/rest/api/3/issue', (b) => {
        body = b
        return true
      })
      .reply(201, { id: '10042', key: 'IAM-42', self: `${BASE}/rest/api/3/issue/10042` })
    scope
      .put(`/rest/api/3/issue/IAM-42/properties/${FINDING_PROPERTY}`, {
        fingerprint: 'f3a9c0ffee',
        rule: 'ACC-003',
      })
      .reply(201)
    search(scope, [{ id: '10042', key: 'IAM-42', fields: { status: { statusCategory: { key: 'new' } } } }])
    const s = sink()
    const first = await s.create(finding)
    const second = await s.create(finding)
    expect(first).toEqual({ key: 'IAM-42', externalId: '10042', url: `${BASE}/browse/IAM-42`, closed: false })
    expect(second).toEqual(first)
    expect(body!.fields).toMatchObject({
      project: { key: 'IAM' },
      issuetype: { name: 'Task' },
      priority: { name: 'High' },
      labels: ['accord-finding', 'accord-f3a9c0ffee'],
      summary: '[accord ACC-003] Revoke ticket fulfilled; access still present',
    })
    expect(body!.properties).toEqual([
      { key: FINDING_PROPERTY, value: { fingerprint: 'f3a9c0ffee', rule: 'ACC-003' } },
    ])
    const description = body!.fields.description as { type: string; version: number; content: unknown[] }
    expect(description).toMatchObject({ type: 'doc', version: 1 })
    expect(JSON.stringify(description)).toContain('Ticket: ACCESS-7 (jira)')
  })

  it('waits out search consistency before concluding an in-flight create never happened', async () => {
    const scope = nock(BASE)
    search(scope, [])
    search(scope, [{ id: '10042', key: 'IAM-42', fields: { status: { statusCategory: { key: 'new' } } } }])
    const started = Date.now()
    const found = await sink().find(finding, { waitForConsistency: true })
    expect(found?.key).toBe('IAM-42')
    expect(Date.now() - started).toBeGreaterThanOrEqual(280)
  })

  it('comments and transitions to the done status, and back on recurrence', async () => {
    const scope = nock(BASE)
    const comments: unknown[] = []
    const moves: unknown[] = []
    scope
      .post('/rest/api/3/issue/IAM-42/comment', (b) => comments.push(b) > 0)
      .times(2)
      .reply(201, { id: '1' })
    scope
      .get('/rest/api/3/issue/IAM-42/transitions')
      .times(2)
      .reply(200, {
        transitions: [
          { id: '11', name: 'Start', to: { name: 'In Progress' } },
          { id: '31', name: 'Resolve', to: { name: 'Done' } },
          { id: '41', name: 'Reopen', to: { name: 'To Do' } },
        ],
      })
    scope
      .post('/rest/api/3/issue/IAM-42/transitions', (b) => moves.push(b) > 0)
      .times(2)
      .reply(204)
    const record = { key: 'IAM-42', externalId: '10042', url: null, closed: false }
    await sink().resolve(record, finding)
    const reopened = await sink().reopen({ ...record, closed: true }, finding)
    expect(moves).toEqual([{ transition: { id: '31' } }, { transition: { id: '41' } }])
    expect(reopened.closed).toBe(false)
    expect(JSON.stringify(comments[0])).toContain('the drift is gone')
    expect(comments[0]).toMatchObject({ body: { type: 'doc', version: 1 } })
  })

  it('a create that finds the issue done reopens it instead of raising a second one', async () => {
    const scope = nock(BASE)
    search(scope, [{ id: '10042', key: 'IAM-42', fields: { status: { statusCategory: { key: 'done' } } } }])
    scope
      .get('/rest/api/3/issue/IAM-42/transitions')
      .reply(200, { transitions: [{ id: '41', name: 'Reopen', to: { name: 'To Do' } }] })
    scope.post('/rest/api/3/issue/IAM-42/transitions', { transition: { id: '41' } }).reply(204)
    scope.post('/rest/api/3/issue/IAM-42/comment').reply(201, { id: '2' })
    await expect(sink().create(finding)).resolves.toMatchObject({ key: 'IAM-42', closed: false })
  })

  it('reports Jira field errors from the errors map', async () => {
    const scope = nock(BASE)
    search(scope, [])
    scope.post('/rest/api/3/issue').reply(400, {
      errorMessages: [],
      errors: { priority: 'Specify the Priority (name) in the string format' },
    })
    await expect(sink().create(finding)).rejects.toThrow(/returned 400.*priority: Specify the Priority/)
  })
})

import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { checkJira } from '../../../../src/connectors/jira/check.ts'
import { JiraConfig } from '../../../../src/connectors/jira/config.ts'
import { silentLogger } from '../../../../src/core/logger.ts'
import { useHttpMock } from '../../../helpers/http-mock.ts'

const BASE = 'https://acme.atlassian.net'
const ctx = { logger: silentLogger(), signal: new AbortController().signal }
const config = JiraConfig.parse({
  id: 'jira',
  kind: 'jira',
  baseUrl: BASE,
  auth: { type: 'basic', email: 'svc@acme.com', token: 'jira-token-secret' },
  tickets: {
    jql: 'project = ACCESS',
    map: { kind: { from: 'x' }, beneficiary: { from: 'y' }, targets: { from: 'z' } },
  },
})

describe('jira/check', () => {
  useHttpMock()

  it('authenticates, warns about a non-UTC profile zone, and runs the JQL', async () => {
    const scope = nock(BASE)
    scope.get('/rest/api/3/myself').reply(200, { accountId: 'acc-1', timeZone: 'Europe/Paris' })
    scope
      .post('/rest/api/3/search/jql', (b) => b.jql === '(project = ACCESS) ORDER BY updated ASC, key ASC')
      .reply(200, { issues: [], isLast: true })
    const items = await checkJira(config, ctx)
    expect(items).toEqual([
      { name: 'authenticate', ok: true, detail: 'as acc-1' },
      expect.objectContaining({ name: 'profile time zone', ok: false }),
      { name: 'tickets.jql', ok: true, detail: 'runs' },
    ])
  })

  it('stops at a refused token', async () => {
    // The client retries a 401 once (a token refresh, a no-op for basic auth), then gives up.
    nock(BASE)
      .get('/rest/api/3/myself')
      .times(2)
      .reply(401, { errorMessages: ['Client must be authenticated'] })
    const items = await checkJira(config, ctx)
    expect(items).toEqual([
      expect.objectContaining({ name: 'authenticate', ok: false, fix: 'check auth.email and auth.token' }),
    ])
  })
})

import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { createJiraHttp } from '../../../../src/connectors/jira/client.ts'
import { JiraConfig } from '../../../../src/connectors/jira/config.ts'
import { silentLogger } from '../../../../src/core/logger.ts'
import { useHttpMock } from '../../../helpers/http-mock.ts'

const BASE = 'https://acme.atlassian.net'
const config = JiraConfig.parse({
  id: 'jira',
  kind: 'jira',
  baseUrl: BASE,
  auth: { type: 'basic', email: 'svc@acme.com', token: 'jira-token-secret' },
})

describe('jira/client', () => {
  useHttpMock()

  it('sends basic auth with email and API token', async () => {
    nock(BASE)
      .get('/rest/api/3/myself')
      .basicAuth({ user: 'svc@acme.com', pass: 'jira-token-secret' })
      .reply(200, {})
    await createJiraHttp(config, silentLogger()).request('/rest/api/3/myself')
  })

  it('waits for a 429 with Retry-After', async () => {
    const scope = nock(BASE)
    scope
      .post('/rest/api/3/search/jql')
      .reply(429, '', { 'Retry-After': '1', 'RateLimit-Reason': 'jira-burst-based' })
    scope.post('/rest/api/3/search/jql').reply(200, { issues: [], isLast: true })
    const http = createJiraHttp(config, silentLogger())
    const started = Date.now()
    await http.request('/rest/api/3/search/jql', { method: 'POST', body: { jql: 'x' }, idempotent: true })
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    expect(http.stats.throttled).toBe(1)
  })

  it('waits until an ISO-8601 X-RateLimit-Reset when a 429 has no Retry-After', async () => {
    const scope = nock(BASE)
    const reset = new Date(Date.now() + 1500).toISOString()
    scope.get('/rest/api/3/field').reply(429, '', {
      'X-RateLimit-Reset': reset,
      'X-RateLimit-Limit': '100',
      'X-RateLimit-Remaining': '0',
    })
    scope.get('/rest/api/3/field').reply(200, [])
    const started = Date.now()
    await createJiraHttp(config, silentLogger()).request('/rest/api/3/field')
    // Not read as epoch seconds (which would wait decades) nor ignored (which would retry at once).
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('words the errorMessages body, without the token', async () => {
    nock(BASE)
      .post('/rest/api/3/search/jql')
      .reply(400, {
        errorMessages: ["Error in the JQL Query: The character '%' is a reserved JQL character."],
        errors: {},
      })
    const err = (await createJiraHttp(config, silentLogger())
      .request('/rest/api/3/search/jql', { method: 'POST', body: { jql: '%' } })
      .catch((e) => e)) as Error
    expect(err.message).toMatch(
      /returned 400: Error in the JQL Query: The character '%' is a reserved JQL character/,
    )
    expect(JSON.stringify(err)).not.toContain('jira-token-secret')
    expect(err.message).not.toContain(Buffer.from('svc@acme.com:jira-token-secret').toString('base64'))
  })
})

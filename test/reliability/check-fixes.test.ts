import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { checkJira } from '../../src/connectors/jira/check.ts'
import { JiraConfig } from '../../src/connectors/jira/config.ts'
import { silentLogger } from '../../src/core/logger.ts'
import { useHttpMock } from '../helpers/http-mock.ts'

/**
 * Least privilege (issue 11): every failed permission check says what to grant. Entra, Okta and ServiceNow have
 * their own tests (docs/threat-model.md T18); this one covers the Jira ticket source's read permission.
 */
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

describe('accord check names what to grant', () => {
  useHttpMock()

  it('Jira: a JQL over a project the account cannot browse fails with the permission to grant', async () => {
    nock(BASE).get('/rest/api/3/myself').reply(200, { accountId: 'acc-1', timeZone: 'UTC' })
    nock(BASE)
      .post('/rest/api/3/search/jql')
      .reply(400, {
        errorMessages: ["The value 'ACCESS' does not exist for the field 'project'."],
        errors: {},
      })
    const items = await checkJira(config, ctx)
    expect(items).toEqual([
      { name: 'authenticate', ok: true, detail: 'as acc-1' },
      {
        name: 'tickets.jql',
        ok: false,
        detail: expect.stringMatching(/returned 400.*'ACCESS' does not exist for the field 'project'/),
        fix: expect.stringMatching(/Browse projects/),
      },
    ])
  })
})

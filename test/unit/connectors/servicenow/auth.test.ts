import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { createServiceNowHttp, getTablePage } from '../../../../src/connectors/servicenow/client.ts'
import { ServiceNowConfig } from '../../../../src/connectors/servicenow/config.ts'
import { silentLogger } from '../../../../src/core/logger.ts'
import { useHttpMock } from '../../../helpers/http-mock.ts'

const BASE = 'https://acme.service-now.com'
const req = { signal: new AbortController().signal }

function config(auth: unknown) {
  return ServiceNowConfig.parse({ id: 'snow', kind: 'servicenow', baseUrl: BASE, auth })
}

describe('servicenow/auth', () => {
  useHttpMock()

  it('gets a token with the form-encoded password grant, refreshes it on a 401, and retries', async () => {
    const forms: URLSearchParams[] = []
    const scope = nock(BASE)
    scope
      .post('/oauth_token.do', (body) => {
        forms.push(new URLSearchParams(body))
        return true
      })
      .matchHeader('content-type', 'application/x-www-form-urlencoded')
      .reply(200, {
        access_token: 'tok-one-1234',
        refresh_token: 'ref-1234',
        expires_in: 1799,
        token_type: 'Bearer',
      })
    scope
      .get('/api/now/v2/table/sys_user')
      .query(true)
      .matchHeader('authorization', 'Bearer tok-one-1234')
      .reply(401, {
        error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' },
      })
    scope
      .post('/oauth_token.do', (body) => {
        forms.push(new URLSearchParams(body))
        return true
      })
      .reply(200, { access_token: 'tok-two-5678', expires_in: 1799 })
    scope
      .get('/api/now/v2/table/sys_user')
      .query(true)
      .matchHeader('authorization', 'Bearer tok-two-5678')
      .reply(200, { result: [] })

    const http = createServiceNowHttp(
      config({
        type: 'oauth',
        clientId: 'cid',
        clientSecret: 'csecret',
        username: 'svc',
        password: 'pw-secret',
      }),
      silentLogger(),
    )
    await getTablePage(http, { table: 'sys_user', params: {} }, req)
    expect(Object.fromEntries(forms[0]!)).toEqual({
      grant_type: 'password',
      username: 'svc',
      password: 'pw-secret',
      client_id: 'cid',
      client_secret: 'csecret',
    })
    expect(Object.fromEntries(forms[1]!)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'ref-1234',
      client_id: 'cid',
      client_secret: 'csecret',
    })
  })

  it('uses the client-credentials grant and says what to check when it is refused', async () => {
    nock(BASE)
      .post('/oauth_token.do', (b) => new URLSearchParams(b).get('grant_type') === 'client_credentials')
      .reply(401, { error: 'access_denied' })
    const http = createServiceNowHttp(
      config({ type: 'oauth', grant: 'client_credentials', clientId: 'cid', clientSecret: 'csecret-value' }),
      silentLogger(),
    )
    const err = (await getTablePage(http, { table: 'sys_user', params: {} }, req).catch((e) => e)) as Error
    expect(err.message).toMatch(/refused the OAuth client_credentials grant \(401\).*OAuth Application User/)
    expect(JSON.stringify(err)).not.toContain('csecret-value')
  })

  it('sends basic auth', async () => {
    nock(BASE)
      .get('/api/now/v2/table/sys_user')
      .query(true)
      .basicAuth({ user: 'svc', pass: 'pw-secret' })
      .reply(200, { result: [] })
    const http = createServiceNowHttp(
      config({ type: 'basic', username: 'svc', password: 'pw-secret' }),
      silentLogger(),
    )
    await expect(getTablePage(http, { table: 'sys_user', params: {} }, req)).resolves.toMatchObject({
      rows: [],
    })
  })
})

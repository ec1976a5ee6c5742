import { generateKeyPairSync } from 'node:crypto'
import { decodeProtectedHeader, jwtVerify } from 'jose'
import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { createOktaClient } from '../../../../src/connectors/okta/client.ts'
import { OktaConfig } from '../../../../src/connectors/okta/config.ts'
import { silentLogger } from '../../../../src/core/logger.ts'
import { useHttpMock } from '../../../helpers/http-mock.ts'

useHttpMock()

const ORG = 'https://acme.okta.example'
const TOKEN_URL = `${ORG}/oauth2/v1/token`
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })

function oauthClient(privateKey: string, keyId?: string) {
  return createOktaClient(
    OktaConfig.parse({
      id: 'okta',
      kind: 'okta',
      orgUrl: ORG,
      auth: { type: 'oauth', clientId: '0oaservice123', privateKey, keyId },
    }),
    silentLogger(),
  )
}

/** Captures the token requests' forms and answers with a token of the given lifetime. */
function tokenEndpoint(forms: URLSearchParams[], expiresIn = 3600, times = 1) {
  let n = 0
  nock(ORG)
    .post('/oauth2/v1/token')
    .times(times)
    .reply(async (req: unknown) => {
      // nock 15 hands the reply function the fetch Request.
      forms.push(new URLSearchParams(await (req as Request).text()))
      n++
      return [
        200,
        { token_type: 'Bearer', expires_in: expiresIn, access_token: `at-${n}`, scope: 'okta.users.read' },
      ]
    })
}

describe('okta OAuth service app (private_key_jwt)', () => {
  it('signs a client assertion with aud = the token endpoint, iss = sub = client id, exp within the hour and a jti', async () => {
    const forms: URLSearchParams[] = []
    tokenEndpoint(forms)
    nock(ORG).get('/api/v1/users').matchHeader('authorization', 'Bearer at-1').reply(200, [])
    const c = oauthClient(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'kid-1')
    await c.http.request('/api/v1/users')

    const form = forms[0]!
    expect(form.get('grant_type')).toBe('client_credentials')
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    expect(form.get('scope')?.split(' ')).toEqual(
      expect.arrayContaining(['okta.users.read', 'okta.groups.read']),
    )
    const assertion = form.get('client_assertion')!
    expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: 'RS256', kid: 'kid-1' })
    const { payload } = await jwtVerify(assertion, rsa.publicKey, {
      audience: TOKEN_URL,
      issuer: '0oaservice123',
    })
    expect(payload.sub).toBe('0oaservice123')
    expect(typeof payload.jti).toBe('string')
    const nowS = Date.now() / 1000
    expect(payload.iat).toBeLessThanOrEqual(nowS + 1)
    expect(payload.exp).toBeGreaterThan(nowS)
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(3600)
  })

  it('uses an EC key as ES256, keeps the token in memory and reuses it until it nears expiry', async () => {
    const forms: URLSearchParams[] = []
    tokenEndpoint(forms, 3600)
    nock(ORG).get('/api/v1/groups').times(3).matchHeader('authorization', 'Bearer at-1').reply(200, [])
    const jwk = JSON.stringify({ ...ec.privateKey.export({ format: 'jwk' }), kid: 'ec-1' })
    const c = oauthClient(jwk)
    await Promise.all([c.http.request('/api/v1/groups'), c.http.request('/api/v1/groups')])
    await c.http.request('/api/v1/groups')
    expect(forms).toHaveLength(1) // concurrent callers shared one token request
    expect(decodeProtectedHeader(forms[0]!.get('client_assertion')!)).toMatchObject({
      alg: 'ES256',
      kid: 'ec-1',
    })
  })

  it('renews a token that is about to expire, with a fresh jti, and refreshes once after a 401', async () => {
    const forms: URLSearchParams[] = []
    // 60 s left is inside the renewal margin: every use fetches a new token.
    tokenEndpoint(forms, 60, 3)
    nock(ORG)
      .get('/api/v1/apps')
      .matchHeader('authorization', 'Bearer at-1')
      .reply(200, [])
      .get('/api/v1/apps')
      .matchHeader('authorization', 'Bearer at-2')
      .reply(401, { errorCode: 'E0000011', errorSummary: 'Invalid token provided', errorCauses: [] })
      .get('/api/v1/apps')
      .matchHeader('authorization', 'Bearer at-3')
      .reply(200, [])
    const c = oauthClient(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())
    await c.http.request('/api/v1/apps')
    await c.http.request('/api/v1/apps')
    expect(forms).toHaveLength(3)
    const jtis = new Set(
      await Promise.all(
        forms.map(async (f) => (await jwtVerify(f.get('client_assertion')!, rsa.publicKey)).payload.jti),
      ),
    )
    expect(jtis.size).toBe(3)
  })

  it('says why a token request failed without echoing the assertion or the key', async () => {
    let assertion = ''
    nock(ORG)
      .post('/oauth2/v1/token')
      .reply(async (req: unknown) => {
        assertion = new URLSearchParams(await (req as Request).text()).get('client_assertion')!
        return [
          401,
          { error: 'invalid_client', error_description: 'The client_assertion signature is invalid.' },
        ]
      })
    const pem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const err = await oauthClient(pem)
      .http.request('/api/v1/users')
      .catch((e: Error) => e)
    expect((err as Error).message).toMatch(/invalid_client: The client_assertion signature is invalid/)
    expect((err as Error).message).not.toContain(assertion)
    expect((err as Error).message).not.toContain('PRIVATE KEY')
  })

  it('refuses a private key it cannot use, naming the setting', () => {
    expect(() => oauthClient('not a key')).toThrow(/okta auth.privateKey is not a usable private key/)
  })
})

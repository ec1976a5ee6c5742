/**
 * Okta authentication: an `SSWS` API token, or an OAuth 2.0 API service app using client credentials with a
 * `private_key_jwt` client assertion (vendor-apis.md 4.1). Access tokens live in memory only and are renewed
 * before they expire.
 *
 * Token and assertion times use the wall clock, not `ACCORD_NOW`: the vendor checks `exp` and `iat` against
 * its own real clock, so a replayed business time would make every assertion look expired or from the future.
 */
import { createPrivateKey, type KeyObject, randomUUID } from 'node:crypto'
import { SignJWT } from 'jose'
import { redact } from '../../core/redact.ts'
import type { AuthProvider } from '../http/auth.ts'
import { OktaOAuthError, OktaTokenResponse } from './schema.ts'

export interface OktaOAuthSettings {
  orgUrl: string
  clientId: string
  /** PEM (PKCS#8 or PKCS#1/SEC1) or JWK JSON of the key registered on the API service app. */
  privateKey: string
  keyId?: string
  scopes: readonly string[]
  tokenUrl?: string
}

/** Posts a form to the token endpoint; the connector wires it to its HTTP transport (TLS settings included). */
export type FormPost = (
  url: string,
  form: URLSearchParams,
  signal?: AbortSignal,
) => Promise<{ status: number; data: unknown }>

/** Assertions are short-lived: Okta allows at most an hour; five minutes is plenty for one token request. */
const ASSERTION_LIFETIME_S = 300
/** Renew when less than this is left, so a token never expires between the check and the request. */
const RENEW_BEFORE_MS = 5 * 60_000

export class OktaAuthError extends Error {
  override name = 'OktaAuthError'
}

export function ssws(token: string): AuthProvider {
  return { getAuthHeader: async () => `SSWS ${token}`, refresh: async () => {} }
}

export function tokenUrlOf(s: Pick<OktaOAuthSettings, 'orgUrl' | 'tokenUrl'>): string {
  return s.tokenUrl ?? new URL('/oauth2/v1/token', s.orgUrl).toString()
}

interface SigningKey {
  key: KeyObject
  alg: string
  kid?: string
}

/** The key and the algorithm its type implies (RSA -> RS256, EC by curve -> ES256/384/512). */
export function loadSigningKey(privateKey: string, keyId?: string): SigningKey {
  const text = privateKey.trim()
  let key: KeyObject
  let kid = keyId
  try {
    if (text.startsWith('{')) {
      const jwk = JSON.parse(text) as { kid?: string }
      kid ??= jwk.kid
      key = createPrivateKey({ key: jwk as never, format: 'jwk' })
    } else {
      key = createPrivateKey(text)
    }
  } catch (e) {
    // Never echo the key material: only what kind of problem it is.
    throw new OktaAuthError(
      `okta auth.privateKey is not a usable private key (expected PEM or JWK JSON): ${(e as Error).name}`,
    )
  }
  if (key.asymmetricKeyType === 'rsa') return { key, alg: 'RS256', kid }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve
    const alg = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' }[curve ?? '']
    if (alg) return { key, alg, kid }
  }
  throw new OktaAuthError(
    `okta auth.privateKey must be an RSA or EC (P-256/384/521) key, got ${key.asymmetricKeyType}`,
  )
}

/** The signed client assertion: aud = the token endpoint, iss = sub = client id, exp within the hour, jti. */
export async function clientAssertion(
  settings: OktaOAuthSettings,
  signing: SigningKey,
  nowMs = Date.now(),
): Promise<string> {
  const iat = Math.floor(nowMs / 1000)
  return new SignJWT({})
    .setProtectedHeader({ alg: signing.alg, ...(signing.kid ? { kid: signing.kid } : {}) })
    .setIssuer(settings.clientId)
    .setSubject(settings.clientId)
    .setAudience(tokenUrlOf(settings))
    .setIssuedAt(iat)
    .setExpirationTime(iat + ASSERTION_LIFETIME_S)
    .setJti(randomUUID())
    .sign(signing.key)
}

/**
 * An OAuth service app's bearer token, fetched on first use, renewed before expiry, dropped on `refresh()`
 * (the client calls it once after a 401). Concurrent callers share one token request.
 */
export function oktaOAuth(
  settings: OktaOAuthSettings,
  post: FormPost,
  clock: () => number = Date.now,
): AuthProvider & { scopesGranted(): string[] | undefined } {
  const signing = loadSigningKey(settings.privateKey, settings.keyId)
  let token: { value: string; expiresAt: number; scopes?: string[] } | undefined
  let pending: Promise<string> | undefined

  async function fetchToken(signal?: AbortSignal): Promise<string> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: settings.scopes.join(' '),
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion(settings, signing, clock()),
    })
    const url = tokenUrlOf(settings)
    let res: Awaited<ReturnType<FormPost>>
    try {
      res = await post(url, form, signal)
    } catch (e) {
      if (signal?.aborted) throw signal.reason
      // Transport errors carry the request (and so the assertion): keep only the code and message.
      const code = (e as { code?: string }).code
      throw new OktaAuthError(redact(`Okta token request to ${url} failed: ${code ?? (e as Error).message}`))
    }
    if (res.status !== 200) {
      const err = OktaOAuthError.safeParse(res.data)
      const why = err.success
        ? `${err.data.error}${err.data.error_description ? `: ${err.data.error_description}` : ''}`
        : `HTTP ${res.status}`
      throw new OktaAuthError(`Okta token request to ${url} for client ${settings.clientId} failed: ${why}`)
    }
    const body = OktaTokenResponse.safeParse(res.data)
    if (!body.success) throw new OktaAuthError(`Okta token response from ${url} is not a token response`)
    token = {
      value: body.data.access_token,
      expiresAt: clock() + body.data.expires_in * 1000,
      scopes: body.data.scope?.split(' ').filter(Boolean),
    }
    return token.value
  }

  return {
    async getAuthHeader(signal) {
      if (token && token.expiresAt - clock() > RENEW_BEFORE_MS) return `Bearer ${token.value}`
      pending ??= fetchToken(signal).finally(() => {
        pending = undefined
      })
      return `Bearer ${await pending}`
    },
    async refresh() {
      token = undefined
    },
    scopesGranted: () => token?.scopes,
  }
}

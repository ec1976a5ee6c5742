import { createPublicKey, type KeyObject, randomBytes } from 'node:crypto'
import { decodeProtectedHeader, importJWK, type JWK, jwtVerify } from 'jose'
import { json, type Reply, ReplyError, type RequestContext } from '../core/index.ts'
import { oauthError, oktaError } from './errors.ts'

/** An OAuth 2.0 service app accord signs in as (client credentials + private_key_jwt). */
export interface OktaServiceApp {
  clientId: string
  /** The registered public key: a JWK, or a PEM (SPKI or certificate). */
  publicKey: JWK | string
  /** Okta API scopes granted to the app. */
  scopes: string[]
}

export interface OktaCredentials {
  /** SSWS API token(s) accepted (full admin read access). */
  sswsTokens: string[]
  serviceApps: OktaServiceApp[]
}

export interface OktaCaller {
  kind: 'ssws' | 'oauth'
  /** null: every scope (SSWS tokens act as their admin). */
  scopes: Set<string> | null
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

/**
 * Okta's two ways in: `SSWS` API tokens, and OAuth service apps whose `private_key_jwt` client assertion is
 * verified as Okta does (signature against the registered key, aud = the token endpoint, iss = sub = client_id,
 * exp no more than an hour ahead, jti never replayed). Bearer tokens last an hour and carry the granted scopes.
 */
export class OktaAuth {
  readonly credentials: OktaCredentials
  readonly #tokens = new Map<string, { scopes: Set<string>; expiresAtMs: number }>()
  readonly #usedJti = new Map<string, number>()
  readonly #clock: () => number
  readonly #lifetimeS: number

  constructor(credentials: OktaCredentials, clock: () => number, lifetimeS = 3600) {
    this.credentials = credentials
    this.#clock = clock
    this.#lifetimeS = lifetimeS
  }

  async token(ctx: RequestContext): Promise<Reply> {
    const form = await ctx.form()
    if (form.get('grant_type') !== 'client_credentials') {
      return oauthError(
        400,
        'unsupported_grant_type',
        `The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].`,
      )
    }
    if (form.get('client_assertion_type') !== ASSERTION_TYPE || !form.get('client_assertion')) {
      return oauthError(
        401,
        'invalid_client',
        'Client authentication failed. Either the client or the client credentials are invalid.',
      )
    }
    const assertion = form.get('client_assertion')!
    let clientId: string | undefined
    try {
      const payload = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8'))
      clientId = payload.iss
      decodeProtectedHeader(assertion)
    } catch {
      return oauthError(400, 'invalid_client', 'The client_assertion is not a well-formed JWT.')
    }
    const app = this.credentials.serviceApps.find((a) => a.clientId === clientId)
    if (!app)
      return oauthError(
        401,
        'invalid_client',
        'The client_assertion token has an invalid issuer: no such client.',
      )
    const now = this.#clock()
    try {
      const key = await publicKeyOf(app.publicKey)
      const { payload } = await jwtVerify(assertion, key, {
        audience: `${ctx.origin}/oauth2/v1/token`,
        issuer: app.clientId,
        subject: app.clientId,
        currentDate: new Date(now),
        clockTolerance: 5,
      })
      if (typeof payload.exp !== 'number') throw new Error('The client_assertion token has no expiration.')
      if (payload.exp * 1000 - now > 3_600_000 + 5_000) {
        throw new Error('The client_assertion token has an expiration too far into the future.')
      }
      if (payload.jti) {
        for (const [j, exp] of this.#usedJti) if (exp < now) this.#usedJti.delete(j)
        if (this.#usedJti.has(payload.jti))
          throw new Error('The client_assertion token has already been used.')
        this.#usedJti.set(payload.jti, payload.exp * 1000)
      }
    } catch (err) {
      return oauthError(401, 'invalid_client', err instanceof Error ? err.message : String(err))
    }
    const requested = (form.get('scope') ?? '').split(' ').filter(Boolean)
    if (requested.length === 0)
      return oauthError(400, 'invalid_scope', 'The authorization server requires a scope.')
    const denied = requested.filter((s) => !app.scopes.includes(s))
    if (denied.length > 0) {
      return oauthError(400, 'invalid_scope', `The following scopes are not allowed: ${denied.join(', ')}`)
    }
    const accessToken = randomBytes(32).toString('base64url')
    this.#tokens.set(accessToken, { scopes: new Set(requested), expiresAtMs: now + this.#lifetimeS * 1000 })
    return json(200, {
      token_type: 'Bearer',
      expires_in: this.#lifetimeS,
      access_token: accessToken,
      scope: requested.join(' '),
    })
  }

  /** Checks the Authorization header; answers Okta's 401 E0000011 otherwise. */
  authenticate(ctx: RequestContext): OktaCaller {
    const header = String(ctx.req.headers.authorization ?? '')
    const refuse = (): never => {
      throw new ReplyError(oktaError(401, 'E0000011', 'Invalid token provided'))
    }
    if (header.startsWith('SSWS ')) {
      if (!this.credentials.sswsTokens.includes(header.slice(5).trim())) refuse()
      return { kind: 'ssws', scopes: null }
    }
    if (header.startsWith('Bearer ')) {
      const t = this.#tokens.get(header.slice(7).trim())
      if (!t || t.expiresAtMs <= this.#clock()) {
        throw new ReplyError(
          oktaError(401, 'E0000011', 'Invalid token provided', [], {
            'www-authenticate':
              'Bearer authorization_uri="http://okta/oauth2/v1/authorize", realm="http://okta", scope="", error="invalid_token", error_description="The token has expired.", resource=""',
          }),
        )
      }
      return { kind: 'oauth', scopes: t.scopes }
    }
    return refuse()
  }

  revokeAll(): void {
    this.#tokens.clear()
  }
}

/** 403 E0000006 when an OAuth caller lacks the endpoint's scope. */
export function requireScope(caller: OktaCaller | undefined, scope: string): void {
  if (!caller) throw new ReplyError(oktaError(401, 'E0000011', 'Invalid token provided'))
  if (caller.scopes && !caller.scopes.has(scope)) {
    throw new ReplyError(
      oktaError(403, 'E0000006', 'You do not have permission to perform the requested action', [], {
        'www-authenticate': `Bearer error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="${scope}"`,
      }),
    )
  }
}

async function publicKeyOf(k: JWK | string): Promise<KeyObject | Awaited<ReturnType<typeof importJWK>>> {
  if (typeof k === 'string') return createPublicKey(k)
  return importJWK(k, k.alg ?? (k.kty === 'EC' ? 'ES256' : 'RS256'))
}

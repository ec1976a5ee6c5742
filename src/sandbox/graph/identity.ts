import { createHash, createPublicKey, randomBytes, X509Certificate } from 'node:crypto'
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose'
import { json, type Reply, ReplyError, type RequestContext, type Router } from '../core/index.ts'
import { aadError, graphError } from './errors.ts'

/** The app registration accord signs in as (what the connector's config holds). */
export interface GraphAppCredentials {
  clientId: string
  clientSecret: string
  /** PEM certificate registered on the app, for certificate (client assertion) sign-in. */
  certificatePem?: string
  /** Application permissions admin-consented to the app; they become the token's `roles` claim. */
  permissions: string[]
}

export const ALL_READ_PERMISSIONS = [
  'User.Read.All',
  'Group.Read.All',
  'GroupMember.Read.All',
  'Application.Read.All',
  'RoleManagement.Read.Directory',
]

export interface IssuedToken {
  appId: string
  roles: string[]
}

/**
 * The parts of the Microsoft identity platform msal-node uses for client credentials: instance discovery,
 * the tenant's OpenID configuration, and the v2.0 token endpoint (client secret or certificate assertion).
 * Access tokens are JWTs with `roles` (the app's permissions), `tid`, `appid`, signed with a per-start key.
 */
export class IdentityPlatform {
  readonly tenantId: string
  credentials: GraphAppCredentials
  readonly #key = randomBytes(32)
  readonly #usedAssertions = new Set<string>()
  readonly #clock: () => number
  readonly #lifetimeS: number
  /** Tokens carry the generation they were issued in; revoking (or rotating the secret) starts a new one. */
  #generation = 0

  constructor(tenantId: string, credentials: GraphAppCredentials, clock: () => number, lifetimeS: number) {
    this.tenantId = tenantId
    this.credentials = credentials
    this.#clock = clock
    this.#lifetimeS = lifetimeS
  }

  routes(router: Router): void {
    router.get(
      '/common/discovery/instance',
      (ctx) => this.#instanceDiscovery(ctx),
      'GET /common/discovery/instance',
    )
    router.get('/:tenant/v2.0/.well-known/openid-configuration', (ctx) => this.#openidConfiguration(ctx))
    router.post('/:tenant/oauth2/v2.0/token', (ctx) => this.#token(ctx))
  }

  revokeTokens(): void {
    this.#generation++
  }

  #instanceDiscovery(ctx: RequestContext): Reply {
    const host = new URL(ctx.origin).host
    return json(200, {
      tenant_discovery_endpoint: `${ctx.origin}/${this.tenantId}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    })
  }

  #checkTenant(tenant: string): void {
    if (tenant !== this.tenantId && tenant !== 'organizations') {
      throw new ReplyError(aadError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found.`))
    }
  }

  #openidConfiguration(ctx: RequestContext): Reply {
    this.#checkTenant(ctx.params.tenant!)
    const base = `${ctx.origin}/${this.tenantId}`
    return json(200, {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${ctx.origin}/${this.tenantId}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${ctx.origin}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid'],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
    })
  }

  async #token(ctx: RequestContext): Promise<Reply> {
    this.#checkTenant(ctx.params.tenant!)
    const type = String(ctx.req.headers['content-type'] ?? '')
    if (!type.startsWith('application/x-www-form-urlencoded')) {
      return aadError(
        400,
        'invalid_request',
        900144,
        "The request body must contain the following parameter: 'grant_type'.",
      )
    }
    const form = await ctx.form()
    const grant = form.get('grant_type')
    if (grant !== 'client_credentials') {
      return aadError(
        400,
        'unsupported_grant_type',
        70003,
        `The app requested an unsupported grant type '${grant}'.`,
      )
    }
    const clientId = form.get('client_id')
    if (clientId !== this.credentials.clientId) {
      return aadError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${this.tenantId}'.`,
      )
    }
    const scope = form.get('scope') ?? ''
    if (!scope.split(' ').some((s) => s.endsWith('/.default'))) {
      return aadError(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      )
    }
    const secret = form.get('client_secret')
    const assertion = form.get('client_assertion')
    if (secret !== null) {
      if (secret !== this.credentials.clientSecret) {
        return aadError(
          401,
          'invalid_client',
          7000215,
          'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.',
        )
      }
    } else if (assertion !== null) {
      const refused = await this.#verifyAssertion(ctx, assertion, form.get('client_assertion_type'))
      if (refused) return refused
    } else {
      return aadError(
        401,
        'invalid_client',
        7000216,
        "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
      )
    }
    const now = Math.floor(this.#clock() / 1000)
    const accessToken = await new SignJWT({
      aud: 'https://graph.microsoft.com',
      iss: `https://sts.windows.net/${this.tenantId}/`,
      tid: this.tenantId,
      appid: this.credentials.clientId,
      roles: this.credentials.permissions,
      idtyp: 'app',
      sbx_gen: this.#generation,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + this.#lifetimeS)
      .sign(this.#key)
    return json(200, {
      token_type: 'Bearer',
      expires_in: this.#lifetimeS,
      ext_expires_in: this.#lifetimeS,
      access_token: accessToken,
    })
  }

  /** Verifies a certificate client assertion as Entra does: signature, thumbprint, aud, iss = sub, exp, replay. */
  async #verifyAssertion(ctx: RequestContext, assertion: string, type: string | null): Promise<Reply | null> {
    const fail = (code: number, why: string) => aadError(401, 'invalid_client', code, why)
    if (type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      return aadError(400, 'invalid_request', 70002, `client_assertion_type '${type}' is not supported.`)
    }
    const pem = this.credentials.certificatePem
    if (!pem) return fail(700027, 'No certificate is registered on the application.')
    let header: ReturnType<typeof decodeProtectedHeader>
    try {
      header = decodeProtectedHeader(assertion)
    } catch {
      return fail(50012, 'The client assertion is not a well-formed JWT.')
    }
    const der = new X509Certificate(pem).raw
    const sha1 = createHash('sha1').update(der).digest('base64url')
    const sha256 = createHash('sha256').update(der).digest('base64url')
    if (header.x5t !== sha1 && header['x5t#S256'] !== sha256) {
      return fail(
        700027,
        `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found.]`,
      )
    }
    const tokenEndpoint = `${ctx.origin}/${ctx.params.tenant}/oauth2/v2.0/token`
    try {
      const { payload } = await jwtVerify(assertion, createPublicKey(pem), {
        audience: [tokenEndpoint, `${ctx.origin}/${this.tenantId}/oauth2/v2.0/token`],
        issuer: this.credentials.clientId,
        subject: this.credentials.clientId,
        currentDate: new Date(this.#clock()),
        maxTokenAge: '1h',
        // Entra tolerates clock skew between client and service (msal rounds nbf/iat to seconds).
        clockTolerance: 300,
      })
      if (payload.jti) {
        if (this.#usedAssertions.has(payload.jti))
          return fail(700024, 'Client assertion has been used before (replay).')
        this.#usedAssertions.add(payload.jti)
      }
    } catch (err) {
      return fail(
        700027,
        `Client assertion failed signature validation. (${err instanceof Error ? err.message : err})`,
      )
    }
    return null
  }

  /** Checks a Graph request's bearer token; answers Graph's 401 otherwise. */
  async authenticate(ctx: RequestContext): Promise<IssuedToken> {
    const header = String(ctx.req.headers.authorization ?? '')
    const refuse = (message: string): never => {
      throw new ReplyError(
        graphError(401, 'InvalidAuthenticationToken', message, {
          'www-authenticate': `Bearer realm="", authorization_uri="${ctx.origin}/${this.tenantId}/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
        }),
      )
    }
    if (!header.toLowerCase().startsWith('bearer ') || header.length <= 7) refuse('Access token is empty.')
    try {
      const { payload } = await jwtVerify(header.slice(7).trim(), this.#key, {
        currentDate: new Date(this.#clock()),
        audience: 'https://graph.microsoft.com',
      })
      if (payload.sbx_gen !== this.#generation) refuse('Access token has been revoked.')
      return { appId: String(payload.appid), roles: (payload.roles as string[]) ?? [] }
    } catch (err) {
      if (err instanceof ReplyError) throw err
      const code = (err as { code?: string }).code
      if (code === 'ERR_JWT_EXPIRED') refuse('Lifetime validation failed, the token is expired.')
      return refuse('IDX14100: JWT is not well formed, there are no dots (.).')
    }
  }
}

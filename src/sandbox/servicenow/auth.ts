import { randomBytes, timingSafeEqual } from 'node:crypto'
import { json, type Reply, ReplyError, type RequestContext } from '../core/index.ts'
import { notAuthenticated } from './errors.ts'

export interface SnCredentials {
  /** Basic-auth users (also the resource owners of the OAuth password grant). */
  users: { username: string; password: string }[]
  /**
   * OAuth application registry entries. `clientCredentialsUser` enables the client-credentials grant for the
   * client (off by default, as on an instance: it needs the system property and an OAuth Application User).
   */
  oauthClients: { clientId: string; clientSecret: string; clientCredentialsUser?: string }[]
  /** Access-token lifetime in seconds (the doc sample says 1799). */
  tokenTtlS?: number
}

/** Who a request runs as. */
export interface SnPrincipal {
  username: string
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

// What an instance answers to a refused token request (observed, not documented).
const ACCESS_DENIED = { error_description: 'access_denied', error: 'server_error' }

/**
 * Basic auth and `oauth_token.do` (password, refresh_token and client_credentials grants; form-encoded only),
 * with bearer tokens that expire. Token times use `clock` (wall clock by default) so tests can age them.
 */
export class SnAuth {
  readonly #creds: SnCredentials
  readonly #clock: () => number
  readonly #access = new Map<string, { username: string; expiresAt: number }>()
  readonly #refresh = new Map<string, { username: string; clientId: string }>()

  constructor(creds: SnCredentials, clock: () => number = Date.now) {
    this.#creds = creds
    this.#clock = clock
  }

  #user(username: string, password: string): boolean {
    return this.#creds.users.some((u) => same(u.username, username) && same(u.password, password))
  }

  /** Checks the Authorization header; throws ServiceNow's 401 otherwise. */
  authenticate(ctx: RequestContext): SnPrincipal {
    const header = ctx.req.headers.authorization ?? ''
    const [scheme, value = ''] = header.split(' ', 2)
    if (scheme?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      const username = decoded.slice(0, colon)
      if (colon > 0 && this.#user(username, decoded.slice(colon + 1))) return { username }
    } else if (scheme?.toLowerCase() === 'bearer') {
      const token = this.#access.get(value)
      if (token && token.expiresAt > this.#clock()) return { username: token.username }
    }
    throw new ReplyError(notAuthenticated())
  }

  #issue(username: string, clientId: string, withRefresh: boolean): Reply {
    const ttl = this.#creds.tokenTtlS ?? 1799
    const access = randomBytes(32).toString('base64url')
    this.#access.set(access, { username, expiresAt: this.#clock() + ttl * 1000 })
    const body: Record<string, unknown> = { scope: 'useraccount', token_type: 'Bearer', expires_in: ttl }
    if (withRefresh) {
      const refresh = randomBytes(32).toString('base64url')
      this.#refresh.set(refresh, { username, clientId })
      body.refresh_token = refresh
    }
    body.access_token = access
    return json(200, body)
  }

  /** `POST /oauth_token.do`. */
  async token(ctx: RequestContext): Promise<Reply> {
    const type = (ctx.req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    if (type !== 'application/x-www-form-urlencoded') {
      // The docs say a JSON body "results in an unspecified error"; the sandbox makes it a plain refusal.
      return json(400, {
        error_description: 'unsupported content type; use a form-encoded body',
        error: 'server_error',
      })
    }
    const form = await ctx.form()
    const clientId = form.get('client_id') ?? ''
    const client = this.#creds.oauthClients.find(
      (c) => same(c.clientId, clientId) && same(c.clientSecret, form.get('client_secret') ?? ''),
    )
    if (!client) return json(401, ACCESS_DENIED)
    switch (form.get('grant_type')) {
      case 'password': {
        const username = form.get('username') ?? ''
        if (!this.#user(username, form.get('password') ?? '')) return json(401, ACCESS_DENIED)
        return this.#issue(username, clientId, true)
      }
      case 'refresh_token': {
        const grant = this.#refresh.get(form.get('refresh_token') ?? '')
        if (!grant || grant.clientId !== clientId) return json(401, ACCESS_DENIED)
        return this.#issue(grant.username, clientId, false)
      }
      case 'client_credentials':
        if (!client.clientCredentialsUser) return json(401, ACCESS_DENIED)
        return this.#issue(client.clientCredentialsUser, clientId, false)
      default:
        return json(400, { error_description: 'unsupported grant_type', error: 'server_error' })
    }
  }
}

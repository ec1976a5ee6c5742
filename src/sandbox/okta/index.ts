/**
 * The Okta Management API simulator (vendor-apis.md section 4), plain HTTP on loopback. Start it with
 * `startOktaSimulator(tenant.okta, options)`.
 *
 * Endpoints: `/api/v1/users` (`search`, `filter`, `q`, `limit` <= 200, `after`, `sortBy`/`sortOrder`; the plain
 * listing omits DEPROVISIONED), `/api/v1/users/{id|login}`, `/api/v1/users/{id}/roles`, `/api/v1/groups` (`search`,
 * `filter` on id/type/lastUpdated/lastMembershipUpdated, `q`, `expand=stats`), `/api/v1/groups/{id}`,
 * `/api/v1/groups/{id}/users`, `/api/v1/apps` (`filter`, `q`), `/api/v1/apps/{id}`, `/api/v1/apps/{id}/users`
 * (`expand=user`), `/api/v1/apps/{id}/groups`, `/api/v1/iam/assignees/users` (`{value, _links.next}`),
 * `/api/v1/api-tokens`, `/api/v1/logs` (polling and bounded), `POST /oauth2/v1/token` (client credentials with a
 * `private_key_jwt` assertion). Bare JSON arrays, `Link` next/self headers (separate lines or comma-joined),
 * `X-Rate-Limit-*` on every response from per-endpoint buckets, 429 `E0000047` (also for the concurrent limit,
 * with `Limit: 0`), Okta error bodies; `SSWS` tokens and scoped bearer tokens.
 *
 * Control operations (`sim.control`, or `POST http://127.0.0.1:PORT/_control/<op>`): addGroupMember,
 * removeGroupMember {groupId, userId}; assignAppUser, unassignAppUser {appId, userId}; assignAppGroup,
 * unassignAppGroup {appId, groupId}; assignRole {userId, type, label?}; removeRole {id}; deactivateUser (alias
 * disableUser), suspendUser, activateUser {userId}; updateUser {userId, profile}; addUser {user};
 * revokeApiToken {id}; createApiToken {name, userId}; rotateSswsToken (returns the new token);
 * revokeBearerTokens; plus the core's setFaults, counts, resetCounts. Each change writes its System Log event.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { Router, type Simulator, type SimulatorOptions, startSimulator } from '../core/index.ts'
import type { OktaTenant } from '../state.ts'
import { OktaAuth, type OktaCredentials, type OktaServiceApp } from './auth.ts'
import { oauthError, oktaError } from './errors.ts'
import { oktaRoutes } from './routes.ts'
import { OktaState } from './state.ts'

export type { OktaCredentials, OktaServiceApp } from './auth.ts'
export { OktaState } from './state.ts'

export const OKTA_SANDBOX_SCOPES = [
  'okta.users.read',
  'okta.groups.read',
  'okta.apps.read',
  'okta.roles.read',
  'okta.logs.read',
  'okta.apiTokens.read',
]

/**
 * Okta's per-endpoint buckets (requests per minute). Okta does not publish one table for every org: these follow
 * its documented defaults for the endpoints accord reads; every other endpoint gets `default`.
 */
export const OKTA_DEFAULT_RATE_LIMITS = {
  default: { capacity: 600, windowMs: 60_000 },
  'GET /api/v1/users': { capacity: 600, windowMs: 60_000 },
  'GET /api/v1/users/:id': { capacity: 2000, windowMs: 60_000 },
  'GET /api/v1/groups': { capacity: 500, windowMs: 60_000 },
  'GET /api/v1/apps': { capacity: 100, windowMs: 60_000 },
  'GET /api/v1/logs': { capacity: 120, windowMs: 60_000 },
  'POST /oauth2/v1/token': { capacity: 600, windowMs: 60_000 },
}

export interface OktaSimulatorOptions extends SimulatorOptions {
  /** SSWS tokens and OAuth service apps; one of each is generated when absent. */
  credentials?: Partial<OktaCredentials>
  /** Bearer token lifetime in seconds (Okta: 3600). */
  tokenLifetimeS?: number
  /** Concurrent requests the org allows (Okta's concurrent rate limit; default 75). */
  concurrencyLimit?: number
  scenarioNow?: string
}

export interface OktaSimulator {
  simulator: Simulator
  /** `http://127.0.0.1:PORT`: accord's `orgUrl`. */
  url: string
  credentials: OktaCredentials
  /** The private key (PKCS#8 PEM) of the generated service app, when the simulator generated it. */
  serviceAppPrivateKey: string | null
  state: OktaState
  control: Simulator['control']
  close(): Promise<void>
}

/** Starts the Okta Management API simulator (plain HTTP on loopback). */
export async function startOktaSimulator(
  tenant: OktaTenant,
  options: OktaSimulatorOptions = {},
): Promise<OktaSimulator> {
  const clock = options.clock ?? Date.now
  const started = clock()
  const scenarioStart = Date.parse(options.scenarioNow ?? new Date(started).toISOString())
  const state = new OktaState(tenant, () => new Date(scenarioStart + (clock() - started)).toISOString())

  let serviceAppPrivateKey: string | null = null
  let serviceApps: OktaServiceApp[] | undefined = options.credentials?.serviceApps
  if (!serviceApps) {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    serviceAppPrivateKey = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    serviceApps = [
      {
        clientId: `0oa${randomBytes(9).toString('hex').slice(0, 17)}`,
        publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        scopes: OKTA_SANDBOX_SCOPES,
      },
    ]
  }
  const credentials: OktaCredentials = {
    sswsTokens: options.credentials?.sswsTokens ?? [`00${randomBytes(20).toString('base64url')}`],
    serviceApps,
  }
  const auth = new OktaAuth(credentials, clock, options.tokenLifetimeS ?? 3600)
  const router = new Router()
  oktaRoutes(router, state, auth)
  const rules = { ...OKTA_DEFAULT_RATE_LIMITS, ...options.rateLimits }

  const simulator = await startSimulator(
    {
      name: 'okta',
      router,
      rateLimits: rules,
      rateBucket: (ctx) => ({
        bucket: ctx.endpoint,
        rule: Object.hasOwn(rules, ctx.endpoint) ? ctx.endpoint : 'default',
      }),
      rateHeaders: (d) => ({
        'x-rate-limit-limit': String(d.limit),
        'x-rate-limit-remaining': String(d.remaining),
        'x-rate-limit-reset': String(Math.ceil(d.resetAtMs / 1000)),
      }),
      throttled: () => oktaError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.'),
      // Concurrent-limit 429s report Limit 0 and Remaining 0; the Reset is only an estimate (vendor-apis.md 4.6).
      concurrencyLimit: options.concurrencyLimit ?? 75,
      tooManyConcurrent: () =>
        oktaError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.', [], {
          'x-rate-limit-limit': '0',
          'x-rate-limit-remaining': '0',
          'x-rate-limit-reset': String(Math.ceil(clock() / 1000) + 1),
        }),
      // The authorization server answers in the OAuth shape; the management API in Okta's.
      serverError: (ctx) =>
        ctx.url.pathname.startsWith('/oauth2/')
          ? oauthError(500, 'server_error', 'The authorization server encountered an unexpected error.')
          : oktaError(500, 'E0000009', 'Internal Server Error'),
      notFound: (ctx) =>
        oktaError(404, 'E0000007', `Not found: Resource not found: ${ctx.url.pathname} (Endpoint)`),
      methodNotAllowed: () =>
        oktaError(405, 'E0000022', 'The endpoint does not support the provided HTTP method'),
      badRequest: (_ctx, message) => oktaError(400, 'E0000001', 'Api validation failed', [message]),
      authenticate: (ctx) => {
        if (ctx.url.pathname.startsWith('/api/')) ctx.auth = auth.authenticate(ctx)
      },
      control: {
        addGroupMember: (a) => state.addGroupMember(a),
        removeGroupMember: (a) => state.removeGroupMember(a),
        assignAppUser: (a) => state.assignAppUser(a),
        unassignAppUser: (a) => state.unassignAppUser(a),
        assignAppGroup: (a) => state.assignAppGroup(a),
        unassignAppGroup: (a) => state.unassignAppGroup(a),
        assignRole: (a) => state.assignRole(a),
        removeRole: (a) => state.removeRole(a),
        deactivateUser: (a) => state.deactivateUser(a),
        disableUser: (a) => state.deactivateUser(a),
        suspendUser: (a) => state.suspendUser(a),
        activateUser: (a) => state.activateUser(a),
        updateUser: (a) => state.updateUser(a),
        addUser: (a) => state.addUser(a),
        revokeApiToken: (a) => state.revokeApiToken(a),
        createApiToken: (a) => state.createApiToken(a),
        /** Replaces accord's SSWS token: the old one stops working at once. */
        rotateSswsToken: () => {
          const next = `00${randomBytes(20).toString('base64url')}`
          credentials.sswsTokens.splice(0, credentials.sswsTokens.length, next)
          return next
        },
        revokeBearerTokens: () => {
          auth.revokeAll()
          return true
        },
      },
    },
    options,
  )
  return {
    simulator,
    url: simulator.url,
    credentials,
    serviceAppPrivateKey,
    state,
    control: simulator.control,
    close: () => simulator.close(),
  }
}

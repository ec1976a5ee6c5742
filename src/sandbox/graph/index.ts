/**
 * The Microsoft identity platform + Graph v1.0 simulator (vendor-apis.md section 3), over HTTPS with a CA
 * generated at start. Start it with `startGraphSimulator(tenant.graph, options)`.
 *
 * Identity platform (what msal-node uses; authority `https://localhost:PORT/TENANT` listed in `knownAuthorities`):
 * `GET /common/discovery/instance`, `GET /{tenant}/v2.0/.well-known/openid-configuration`,
 * `POST /{tenant}/oauth2/v2.0/token` (client credentials with a client secret or a certificate assertion; AADSTS
 * errors). Tokens are JWTs whose `roles` are the app's permissions, enforced per endpoint.
 *
 * Graph (`/v1.0`): `users`, `users/{id|upn}`, `users/{id}/appRoleAssignments`, `users/delta`, `users/$count`,
 * `groups`, `groups/{id}`, `groups/{id}/members`, `groups/{id}/transitiveMembers`, `groups/delta`,
 * `groups/$count`, `servicePrincipals`, `servicePrincipals/{id}` (also `servicePrincipals(appId='…')`),
 * `…/appRoleAssignedTo`, `…/owners`, `applications`, `applications/{id}`, `…/owners`,
 * `roleManagement/directory/roleAssignments`, `roleManagement/directory/roleDefinitions`, `POST $batch` (max 20).
 * `$select`, `$top` (1-999, default 100), `$filter`, `$count`/`$orderby` (with `ConsistencyLevel: eventual`),
 * `$skiptoken` in absolute `@odata.nextLink`s; delta with `$deltatoken`/`$skiptoken`, `members@delta`, `@removed`,
 * 410 `resyncRequired`. Throttling: 429 with `Retry-After` and `x-ms-throttle-*`, also per `$batch` item.
 *
 * Control operations (`sim.control`, or `POST https://127.0.0.1:PORT/_control/<op>`): addGroupMember,
 * removeGroupMember {groupId, memberId}; addUser {user}; updateUser {userId, changes}; disableUser, enableUser,
 * deleteUser {userId}; assignAppRole {resourceId, principalId, appRoleId?}; removeAppRoleAssignment {id};
 * assignDirectoryRole {principalId, roleDefinitionId}; removeDirectoryRole {id}; rotateAppSecret {id};
 * expireDeltaTokens; rotateClientSecret (accord's own secret; returns the new one); revokeTokens;
 * setPermissions {permissions}; plus the core's setFaults, counts, resetCounts.
 */
import { randomUUID } from 'node:crypto'
import {
  generateTlsMaterial,
  Router,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
  type TlsMaterial,
} from '../core/index.ts'
import type { GraphTenant } from '../state.ts'
import { aadError, graphError } from './errors.ts'
import { ALL_READ_PERMISSIONS, type GraphAppCredentials, IdentityPlatform } from './identity.ts'
import { graphRoutes } from './routes.ts'
import { GraphState } from './state.ts'

export type { GraphAppCredentials } from './identity.ts'
export { ALL_READ_PERMISSIONS } from './identity.ts'
export { GraphState } from './state.ts'

export interface GraphSimulatorOptions extends Omit<SimulatorOptions, 'tls'> {
  /** TLS material (a CA and a loopback certificate); generated when absent. */
  tls?: TlsMaterial
  /** The app accord signs in as; a client id and secret are generated when absent. */
  credentials?: Partial<GraphAppCredentials>
  /** Objects per delta page (fixed, as on Graph). Default 100. */
  deltaPageSize?: number
  /** Members per `members@delta` chunk: a larger group spreads over several pages. Default 100. */
  memberChunk?: number
  /** Page size when `$top` is absent. Default 100. */
  defaultTop?: number
  /** Access token lifetime in seconds. Default 3599. */
  tokenLifetimeS?: number
  /** The scenario time for timestamps of changes made through the control handle (advances with the wall clock). */
  scenarioNow?: string
}

export interface GraphSimulator {
  simulator: Simulator
  /** `https://127.0.0.1:PORT`: the authority host and the Graph host. */
  url: string
  /** `https://localhost:PORT/TENANT`: the msal authority (list `localhost:PORT` in knownAuthorities). */
  authority: string
  /** `https://localhost:PORT/v1.0`: what accord's `graphBaseUrl` points at. */
  graphBaseUrl: string
  tenantId: string
  /** The CA the simulator's certificate is signed by (PEM). */
  caCert: string
  credentials: GraphAppCredentials
  state: GraphState
  /** Control operations (in process; also at `POST /_control/<op>`). */
  control: Simulator['control']
  close(): Promise<void>
}

/** Starts the Microsoft identity platform + Graph v1.0 simulator over HTTPS for one sandbox tenant. */
export async function startGraphSimulator(
  tenant: GraphTenant,
  options: GraphSimulatorOptions = {},
): Promise<GraphSimulator> {
  const tls = options.tls ?? (await generateTlsMaterial())
  const clock = options.clock ?? Date.now
  const started = clock()
  const scenarioStart = Date.parse(options.scenarioNow ?? new Date(started).toISOString())
  const dataNow = () => new Date(scenarioStart + (clock() - started)).toISOString()
  const state = new GraphState(tenant, dataNow)
  const credentials: GraphAppCredentials = {
    clientId: options.credentials?.clientId ?? randomUUID(),
    clientSecret: options.credentials?.clientSecret ?? `sbx~${randomUUID()}`,
    permissions: options.credentials?.permissions ?? ALL_READ_PERMISSIONS,
    ...(options.credentials?.certificatePem ? { certificatePem: options.credentials.certificatePem } : {}),
  }
  const identity = new IdentityPlatform(tenant.tenantId, credentials, clock, options.tokenLifetimeS ?? 3599)
  const router = new Router()
  identity.routes(router)
  graphRoutes(router, state, {
    defaultTop: options.defaultTop ?? 100,
    pageSize: options.deltaPageSize ?? 100,
    memberChunk: options.memberChunk ?? 100,
    clock,
  })

  const lastSegment = (path: string) => path.split('/').filter(Boolean).pop() ?? ''
  const simulator = await startSimulator(
    {
      name: 'graph',
      router,
      // Graph throttles per app per tenant; the simulator counts requests (not resource units) per 10 s.
      rateLimits: { graph: { capacity: 2000, windowMs: 10_000 } },
      rateBucket: (ctx) =>
        ctx.url.pathname.startsWith('/v1.0/') ? { bucket: 'graph', rule: 'graph' } : null,
      throttled: (d) =>
        graphError(
          429,
          'TooManyRequests',
          'Please retry again later.',
          {
            'retry-after': String(d.retryAfterS),
            'x-ms-throttle-scope': `Tenant_Application/ReadWrite/${credentials.clientId}/${tenant.tenantId}`,
            'x-ms-throttle-information': 'ResourceUnitLimitExceeded',
          },
          { code: '429', message: 'Please retry after', status: '429' },
        ),
      // The identity platform answers in its own (AADSTS) shape; Graph in its error shape.
      serverError: (ctx) =>
        ctx.url.pathname.startsWith('/v1.0/')
          ? graphError(
              503,
              'serviceNotAvailable',
              'The service is temporarily unavailable. Please retry later.',
              {
                'retry-after': '1',
              },
            )
          : aadError(
              503,
              'temporarily_unavailable',
              90033,
              'A transient error has occurred. Please try again.',
            ),
      notFound: (ctx) =>
        ctx.url.pathname.startsWith('/v1.0/')
          ? graphError(
              400,
              'BadRequest',
              `Resource not found for the segment '${lastSegment(ctx.url.pathname)}'.`,
            )
          : graphError(
              404,
              'NotFound',
              `No HTTP resource was found that matches the request URI '${ctx.url.pathname}'.`,
            ),
      methodNotAllowed: () =>
        graphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.'),
      badRequest: (_ctx, message) => graphError(400, 'BadRequest', message),
      authenticate: async (ctx) => {
        if (ctx.url.pathname.startsWith('/v1.0/')) ctx.auth = await identity.authenticate(ctx)
      },
      control: {
        addGroupMember: (a) => state.addGroupMember(a),
        removeGroupMember: (a) => state.removeGroupMember(a),
        addUser: (a) => state.addUser(a),
        updateUser: (a) => state.updateUser(a),
        disableUser: (a) => state.disableUser(a),
        enableUser: (a) => state.enableUser(a),
        deleteUser: (a) => state.deleteUser(a),
        assignAppRole: (a) => state.assignAppRole(a),
        removeAppRoleAssignment: (a) => state.removeAppRoleAssignment(a),
        assignDirectoryRole: (a) => state.assignDirectoryRole(a),
        removeDirectoryRole: (a) => state.removeDirectoryRole(a),
        rotateAppSecret: (a) => state.rotateAppSecret(a),
        expireDeltaTokens: () => state.expireDeltaTokens(),
        /** Replaces accord's own client secret: the old one stops working and issued tokens are revoked. */
        rotateClientSecret: () => {
          credentials.clientSecret = `sbx~${randomUUID()}`
          identity.revokeTokens()
          return credentials.clientSecret
        },
        revokeTokens: () => {
          identity.revokeTokens()
          return true
        },
        setPermissions: (a: { permissions: string[] }) => {
          credentials.permissions = a.permissions
          return credentials.permissions
        },
      },
    },
    { ...options, tls },
  )
  const localhost = `https://localhost:${simulator.port}`
  return {
    simulator,
    url: simulator.url,
    authority: `${localhost}/${tenant.tenantId}`,
    graphBaseUrl: `${localhost}/v1.0`,
    tenantId: tenant.tenantId,
    caCert: tls.caCert,
    credentials,
    state,
    control: simulator.control,
    close: () => simulator.close(),
  }
}

import {
  type RateDecision,
  type RateLimitRule,
  Router,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
  type VendorBehaviour,
} from '../core/index.ts'
import type { ServiceNowTenant } from '../state.ts'
import { SnAuth, type SnCredentials } from './auth.ts'
import { serviceNowControl } from './control.ts'
import { SnDatabase } from './database.ts'
import { snError } from './errors.ts'
import type { TableSchema } from './schema.ts'
import { tableApi } from './table-api.ts'

/** Credentials the sandbox's ServiceNow accepts unless told otherwise (the generated accord.yaml uses them). */
export const SANDBOX_SERVICENOW_CREDENTIALS: SnCredentials = {
  users: [{ username: 'svc_accord', password: 'sandbox-servicenow-password' }],
  oauthClients: [
    {
      clientId: 'accord-sandbox',
      clientSecret: 'sandbox-servicenow-secret',
      clientCredentialsUser: 'svc_accord',
    },
  ],
}

/** The sys_id of the sandbox's one rate-limit rule (`X-RateLimit-Rule`). */
export const RATE_LIMIT_RULE_SYS_ID = '5f1c3c6ddb2a3300b3a2f3b6ae9619aa'
const HOUR_MS = 3_600_000

export interface ServiceNowSimulatorOptions extends SimulatorOptions {
  credentials?: SnCredentials
  /** Extra tables the instance has (a configured sink table), with their columns and references. */
  tables?: Record<string, TableSchema>
  /** Clock for token expiry (epoch ms); the wall clock by default. */
  tokenClock?: () => number
}

export interface ServiceNowSimulator extends Simulator {
  db: SnDatabase
}

/** Requests per hour a rule allows, as `X-RateLimit-Limit` states it. */
function perHour(d: RateDecision, rule: RateLimitRule): number {
  return Math.round((d.limit * HOUR_MS) / rule.windowMs)
}

/**
 * ServiceNow's behaviour around the Table API: its error envelope, basic and OAuth bearer auth, and one inbound
 * rate-limit rule for the Table API (`table-api`, per hour as ServiceNow states limits) answering 429 with
 * `Retry-After` and `X-RateLimit-Limit/Reset/Rule` (no `Remaining`: ServiceNow documents none).
 */
export function serviceNowBehaviour(
  tenant: ServiceNowTenant,
  options: ServiceNowSimulatorOptions = {},
): VendorBehaviour & { db: SnDatabase } {
  const db = new SnDatabase(tenant, options.tables)
  const auth = new SnAuth(options.credentials ?? SANDBOX_SERVICENOW_CREDENTIALS, options.tokenClock)
  const router = new Router()
  router.post('/oauth_token.do', (ctx) => auth.token(ctx), 'POST /oauth_token.do')
  // Looked up once per user name (sys_user changes rarely; a new lookup follows any change to it).
  const sysIds = new Map<string, { version: number; sysId: string }>()
  const userSysId = (username: string) => {
    const users = db.table('sys_user')
    const hit = sysIds.get(username)
    if (hit?.version === users.version) return hit.sysId
    const sysId = users.rows.find((u) => u.user_name === username)?.sys_id ?? ''
    sysIds.set(username, { version: users.version, sysId })
    return sysId
  }
  tableApi(router, db, userSysId)

  const rules: Record<string, RateLimitRule> = {
    'table-api': { capacity: 100_000, windowMs: HOUR_MS },
    ...options.rateLimits,
  }
  return {
    name: 'servicenow',
    db,
    router,
    rateLimits: rules,
    rateBucket: (ctx) =>
      ctx.endpoint === 'POST /oauth_token.do' ? null : { bucket: 'table-api', rule: 'table-api' },
    // ServiceNow sends these on every response that matched a rule.
    rateHeaders: (d) => ({
      'X-RateLimit-Limit': String(perHour(d, rules['table-api']!)),
      'X-RateLimit-Reset': String(Math.ceil(d.resetAtMs / 1000)),
      'X-RateLimit-Rule': RATE_LIMIT_RULE_SYS_ID,
    }),
    throttled: (d) =>
      snError(
        429,
        'Rate limit exceeded',
        `Rate limit of ${perHour(d, rules['table-api']!)} requests per hour for Table API exceeded`,
        {
          'Retry-After': String(d.retryAfterS),
        },
      ),
    serverError: () =>
      snError(503, 'Service Unavailable', 'The instance is temporarily unable to process the request'),
    // An unknown API path: what an instance answers.
    notFound: () => ({
      status: 400,
      body: {
        error: { message: 'Requested URI does not represent any resource', detail: null },
        status: 'failure',
      },
    }),
    methodNotAllowed: (ctx) =>
      snError(405, 'Method not Supported', `${ctx.method} is not supported for this resource`),
    badRequest: (_ctx, message) => snError(400, 'Bad Request', message),
    authenticate: (ctx) => {
      if (ctx.endpoint === 'POST /oauth_token.do') return
      ctx.auth = auth.authenticate(ctx)
    },
    control: serviceNowControl(db),
  }
}

/** Starts the ServiceNow simulator on loopback for a tenant. */
export async function startServiceNowSimulator(
  tenant: ServiceNowTenant,
  options: ServiceNowSimulatorOptions = {},
): Promise<ServiceNowSimulator> {
  const behaviour = serviceNowBehaviour(tenant, options)
  const sim = await startSimulator(behaviour, options)
  return Object.assign(sim, { db: behaviour.db })
}

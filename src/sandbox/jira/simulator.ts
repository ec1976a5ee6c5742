import {
  type RateDecision,
  type RateLimitRule,
  Router,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
  type VendorBehaviour,
} from '../core/index.ts'
import type { JiraTenant } from '../state.ts'
import { type JiraCredentials, jiraAuthenticator } from './auth.ts'
import { jiraControl } from './control.ts'
import { JiraDatabase, type JiraDatabaseOptions } from './database.ts'
import { jiraError } from './errors.ts'
import { issueApi } from './issues.ts'
import { jsmApi } from './jsm.ts'
import { searchApi } from './search.ts'

/** Credentials the sandbox's Jira accepts unless told otherwise (the generated accord.yaml uses them). */
export const SANDBOX_JIRA_CREDENTIALS: JiraCredentials = {
  tokens: [{ email: 'svc-accord@contoso.com', token: 'sandbox-jira-api-token' }],
}

export interface JiraSimulatorOptions extends SimulatorOptions, JiraDatabaseOptions {
  credentials?: JiraCredentials
}

export interface JiraSimulator extends Simulator {
  db: JiraDatabase
}

/** `yyyy-MM-ddTHH:mmZ`: Jira's X-RateLimit-Reset is an ISO-8601 time, not epoch seconds. */
function isoMinute(ms: number): string {
  return `${new Date(Math.ceil(ms / 60_000) * 60_000).toISOString().slice(0, 16)}Z`
}

/**
 * Jira Cloud's behaviour: `{errorMessages, errors}` errors, basic auth with API tokens, and burst rate limits
 * per endpoint and method (rule `burst`), answering 429 with `Retry-After`, an ISO-8601 `X-RateLimit-Reset`,
 * `X-RateLimit-Limit/Remaining` and `RateLimit-Reason: jira-burst-based`.
 */
export function jiraBehaviour(
  tenant: JiraTenant,
  options: JiraSimulatorOptions = {},
): VendorBehaviour & { db: JiraDatabase; setOrigin(url: string): void } {
  const db = new JiraDatabase(tenant, options)
  let origin = `https://${tenant.site}`
  const router = new Router()
  searchApi(router, db)
  issueApi(router, db)
  jsmApi(router, db)
  const authenticate = jiraAuthenticator(db, options.credentials ?? SANDBOX_JIRA_CREDENTIALS)
  const rules: Record<string, RateLimitRule> = {
    burst: { capacity: 500, windowMs: 1000 },
    ...options.rateLimits,
  }
  const headers = (d: RateDecision): Record<string, string> => {
    const h: Record<string, string> = {
      'X-RateLimit-Limit': String(d.limit),
      'X-RateLimit-Remaining': String(d.remaining),
    }
    if (d.remaining < d.limit * 0.2) h['X-RateLimit-NearLimit'] = 'true'
    return h
  }
  return {
    name: 'jira',
    db,
    setOrigin: (url) => {
      origin = url
    },
    router,
    rateLimits: rules,
    rateBucket: (ctx) => ({ bucket: ctx.endpoint, rule: 'burst' }),
    rateHeaders: headers,
    throttled: (d) => ({
      ...jiraError(429, ['Rate limit exceeded.']),
      headers: {
        'Retry-After': String(d.retryAfterS),
        'X-RateLimit-Reset': isoMinute(d.resetAtMs),
        'RateLimit-Reason': 'jira-burst-based',
      },
    }),
    serverError: () =>
      jiraError(503, ['Service Unavailable: the site is temporarily unable to handle the request.']),
    notFound: (ctx) => jiraError(404, [`null for uri: ${ctx.url.toString()}`]),
    methodNotAllowed: (ctx) =>
      jiraError(405, [`Method ${ctx.method} is not allowed on ${ctx.url.pathname}.`]),
    badRequest: (_ctx, message) => jiraError(400, [message]),
    authenticate: (ctx) => {
      ctx.auth = authenticate(ctx)
    },
    control: jiraControl(db, () => origin),
  }
}

/** Starts the Jira Cloud + JSM simulator on loopback for a tenant. */
export async function startJiraSimulator(
  tenant: JiraTenant,
  options: JiraSimulatorOptions = {},
): Promise<JiraSimulator> {
  const behaviour = jiraBehaviour(tenant, options)
  const sim = await startSimulator(behaviour, options)
  behaviour.setOrigin(sim.url)
  return Object.assign(sim, { db: behaviour.db })
}

/**
 * The Okta side of the shared HTTP client: authentication (SSWS or an OAuth service app), Okta's per-endpoint
 * rate buckets on top of the client's per-host pacing, and the page sizes Okta allows per endpoint.
 *
 * The shared client retries inside one `request()` and reads rate headers through a reader that does not see
 * the URL. The Okta limiter needs to know which bucket each attempt's headers belong to, so each request runs
 * inside an AsyncLocalStorage scope holding its bucket ticket, and the reader hands every attempt's headers to
 * that ticket. The reader reports only the 429 wait to the host pacer: one exhausted bucket must not pause the
 * other endpoints, which is what a host-wide pause on `Remaining: 0` would do.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import axios from 'axios'
import type { Logger } from '../../core/logger.ts'
import type { AuthProvider } from '../http/auth.ts'
import type { HttpClient, RequestOptions } from '../http/client.ts'
import { createHttpClient } from '../http/client.ts'
import { HttpError, PayloadError } from '../http/errors.ts'
import { type LinkPage, linkPages } from '../http/paging.ts'
import { oktaRateSignals, type RateSignalReader } from '../http/rate-signals.ts'
import type { RetryOptions } from '../http/retry.ts'
import { sleep } from '../http/sleep.ts'
import type { RequestStats } from '../http/stats.ts'
import { createHttpAgent, createHttpsAgent } from '../http/tls.ts'
import { assertTransportAllowed } from '../http/urls.ts'
import { formatZodIssues } from '../http/validate.ts'
import { type FormPost, oktaOAuth, ssws } from './auth.ts'
import type { OktaConfig } from './config.ts'
import { bucketOf, OktaRateLimiter, type RateTicket } from './rate-limit.ts'

/** Okta's maximum `limit` per endpoint (vendor-apis.md 4.2): fewer, larger pages cost less rate budget. */
export const MAX_PAGE = {
  users: 200,
  // Okta allows 10,000, but a checkpoint names the groups of the current page already done: a smaller page
  // keeps every checkpoint small, for a few more requests (one per 200 groups).
  groups: 200,
  groupUsers: 1000,
  apps: 200,
  appUsers: 500,
  appGroups: 200,
  logs: 1000,
  roleAssignees: 100,
  apiTokens: 200,
} as const

/** Reads that failed in a way a second try usually fixes, on top of the shared client's 429/503/504 retries. */
const TRANSIENT_ATTEMPTS = 3
const TRANSIENT_BACKOFF_MS = 1_000

/**
 * Okta answers a read that timed out inside Okta with `500 E0000009` (vendor-apis.md 4.7), and a body cut off
 * in transit surfaces as a bad response or invalid JSON. A GET changes nothing, so it is safe to repeat.
 */
export function isTransientOktaFailure(e: unknown, method: string): boolean {
  if (method.toUpperCase() !== 'GET' || !(e instanceof HttpError)) return false
  if (e.status === 500 && (e.vendorCode === undefined || e.vendorCode === 'E0000009')) return true
  if (e.code === 'ERR_BAD_RESPONSE') return true
  return e.status !== undefined && e.status >= 200 && e.status < 300 && /not valid JSON/.test(e.message)
}

export interface OktaClient {
  /** The shared client with Okta's bucket limiter around every request. */
  http: HttpClient
  limiter: OktaRateLimiter
  auth: AuthProvider & { scopesGranted?(): string[] | undefined }
  /** The page size for an endpoint: Okta's maximum, or the configured `pageSize` when smaller. */
  pageSize(endpoint: keyof typeof MAX_PAGE): number
  /** Bare-array pages following `Link rel="next"`, from a path or a checkpointed next link. */
  pages(
    pathOrUrl: string,
    opts: {
      params?: RequestOptions['params']
      stats: RequestStats
      signal: AbortSignal
      stopOnEmptyPage?: boolean
    },
  ): AsyncGenerator<LinkPage>
}

export function createOktaClient(
  config: OktaConfig,
  logger: Logger,
  overrides: { retry?: Partial<RetryOptions> } = {},
): OktaClient {
  const limiter = new OktaRateLimiter({ maxConcurrency: config.rateLimit.concurrency })
  const scope = new AsyncLocalStorage<RateTicket>()
  const readSignals: RateSignalReader = (headers, status, nowMs) => {
    scope.getStore()?.observe({ status, headers })
    const s = oktaRateSignals(headers, status, nowMs)
    return s.retryAfterMs === undefined ? {} : { retryAfterMs: s.retryAfterMs }
  }
  const auth = config.auth.type === 'ssws' ? ssws(config.auth.token) : oauthProvider(config, logger)
  const inner = createHttpClient({
    name: config.id,
    baseUrl: config.orgUrl,
    auth,
    rateSignals: readSignals,
    rateLimit: config.rateLimit,
    timeoutMs: config.timeoutMs,
    tls: config.tls,
    logger,
    retry: overrides.retry,
  })

  const once: HttpClient['request'] = async (pathOrUrl, ro = {}) => {
    const target = inner.url(pathOrUrl, ro.params)
    const ticket = await limiter.acquire(bucketOf(ro.method ?? 'GET', target), ro.signal)
    if (ticket.waitedMs > 0) {
      inner.stats.rateLimitWaitMs += ticket.waitedMs
      if (ro.stats && ro.stats !== inner.stats) ro.stats.rateLimitWaitMs += ticket.waitedMs
    }
    try {
      return await scope.run(ticket, () => inner.request(pathOrUrl, ro))
    } finally {
      ticket.release()
    }
  }
  const request: HttpClient['request'] = async (pathOrUrl, ro = {}) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(pathOrUrl, ro)
      } catch (e) {
        if (attempt >= TRANSIENT_ATTEMPTS || !isTransientOktaFailure(e, ro.method ?? 'GET')) throw e
        for (const s of new Set([inner.stats, ro.stats ?? inner.stats])) s.retries++
        const wait = Math.floor(Math.random() * TRANSIENT_BACKOFF_MS * 2 ** (attempt - 1))
        logger.warn(
          {
            endpoint: bucketOf(ro.method ?? 'GET', inner.url(pathOrUrl, ro.params)),
            attempt,
            waitMs: wait,
            reason: (e as Error).message,
          },
          'retrying a transient Okta failure',
        )
        await sleep(wait, ro.signal)
      }
    }
  }
  const http: HttpClient = {
    ...inner,
    request,
    getJson: async (pathOrUrl, schema, ro) => {
      const res = await request(pathOrUrl, ro)
      const parsed = schema.safeParse(res.data)
      if (!parsed.success) {
        throw new PayloadError(`unexpected response shape: ${formatZodIssues(parsed.error)}`, res.url)
      }
      return parsed.data
    },
  }
  return {
    http,
    limiter,
    auth,
    pageSize: (endpoint) => Math.min(MAX_PAGE[endpoint], config.pageSize ?? Number.POSITIVE_INFINITY),
    pages: (pathOrUrl, opts) => linkPages(http, pathOrUrl, opts),
  }
}

function oauthProvider(config: OktaConfig, logger: Logger) {
  if (config.auth.type !== 'oauth') throw new Error('unreachable')
  const connectTimeoutMs = Math.min(10_000, config.timeoutMs)
  const httpsAgent = createHttpsAgent({ tls: config.tls, connectTimeoutMs, logger, name: config.id })
  const httpAgent = createHttpAgent({ connectTimeoutMs })
  // The token request is a form post outside the API client (which speaks JSON); same TLS trust and timeout.
  const post: FormPost = async (url, form, signal) => {
    assertTransportAllowed(new URL(url), 'tokenUrl')
    const res = await axios.post(url, form.toString(), {
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      httpsAgent,
      httpAgent,
      timeout: config.timeoutMs,
      maxRedirects: 0,
      proxy: false,
      validateStatus: () => true,
      signal,
    })
    return { status: res.status, data: res.data }
  }
  return oktaOAuth(
    {
      orgUrl: config.orgUrl,
      clientId: config.auth.clientId,
      privateKey: config.auth.privateKey,
      keyId: config.auth.keyId,
      scopes: config.auth.scopes,
      tokenUrl: config.auth.tokenUrl,
    },
    post,
  )
}

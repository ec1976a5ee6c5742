import axios, { type AxiosResponse } from 'axios'
import type { z } from 'zod'
import type { Logger } from '../../core/logger.ts'
import { silentLogger } from '../../core/logger.ts'
import type { AuthProvider } from './auth.ts'
import { endpointLabel } from './endpoint.ts'
import { HttpError, PayloadError, safeUrl, vendorErrorCode, vendorErrorMessage } from './errors.ts'
import { HostPacer } from './pacer.ts'
import { type RateSignalReader, type ResponseHeaders, standardRateSignals } from './rate-signals.ts'
import { backoffMs, defaultRetry, mayRetryStatus, RETRY_ERROR_CODES, type RetryOptions } from './retry.ts'
import { sleep } from './sleep.ts'
import { emptyStats, type RequestStats } from './stats.ts'
import { createHttpAgent, createHttpsAgent, type TlsOptions } from './tls.ts'
import { assertTransportAllowed, checkBaseUrl, resolveNextLink, UrlPolicyError } from './urls.ts'
import { formatZodIssues } from './validate.ts'

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export interface HttpClientOptions {
  /** The connector id, for logs. */
  name: string
  /** Every request goes to this origin (and `allowedOrigins`); relative paths are joined to it. */
  baseUrl: string
  /** Further origins this client may call (rarely needed: a vendor API split over two hosts). */
  allowedOrigins?: string[]
  auth?: AuthProvider
  /** How to read this vendor's rate headers; default: `Retry-After` only. */
  rateSignals?: RateSignalReader
  rateLimit?: { concurrency: number; perSecond?: number }
  /** Response timeout per attempt (axios `timeout`). */
  timeoutMs?: number
  /** TCP + TLS connect timeout per attempt. Default: the smaller of 10 s and timeoutMs. */
  connectTimeoutMs?: number
  tls?: TlsOptions
  retry?: Partial<RetryOptions>
  /** Headers on every request (e.g. `Accept`, `ConsistencyLevel`). */
  headers?: Record<string, string>
  logger?: Logger
  /** Jitter source; tests pass a fixed one. */
  random?: () => number
}

export interface RequestOptions {
  method?: HttpMethod
  /** Query parameters appended to the URL (undefined values are left out). */
  params?: Record<string, string | number | boolean | undefined>
  /** A JSON body. */
  body?: unknown
  headers?: Record<string, string>
  signal?: AbortSignal
  /** The stream's accounting; the client's own `stats` (the run's) is always updated too. */
  stats?: RequestStats
  /** The accounting label; default: method and path with ids replaced. */
  endpoint?: string
  /** Whether the request may be repeated after a 504 or a dropped connection. Default: true for GET/HEAD/PUT/DELETE. */
  idempotent?: boolean
  /** Statuses handed back as responses instead of thrown (a 404 lookup, a 410 delta link). */
  acceptStatus?: readonly number[]
}

export interface HttpResponse<T = unknown> {
  status: number
  headers: ResponseHeaders
  data: T
  /** The URL requested (with secrets masked only in errors and logs, not here). */
  url: string
  bytes: number
}

export interface HttpClient {
  readonly name: string
  readonly baseUrl: string
  /** The origins requests and next links may go to. */
  readonly origins: readonly string[]
  /** Everything this client did since it was made: the run's totals. */
  readonly stats: RequestStats
  readonly pacer: HostPacer
  request<T = unknown>(pathOrUrl: string, opts?: RequestOptions): Promise<HttpResponse<T>>
  /** GET and validate the whole body with `schema`; a mismatch is a PayloadError naming the URL and fields. */
  getJson<S extends z.ZodType>(pathOrUrl: string, schema: S, opts?: RequestOptions): Promise<z.infer<S>>
  /** The absolute URL of a path on the base URL, with query parameters. */
  url(pathOrUrl: string, params?: RequestOptions['params']): string
  /** Checks a server-given next link: same origin as configured, resolved against the URL it came from. */
  resolveNext(link: string, from: string): string
  /** Closes idle keep-alive connections, so a CLI process can exit at once. */
  close(): void
}

const IDEMPOTENT: ReadonlySet<HttpMethod> = new Set(['GET', 'HEAD', 'PUT', 'DELETE'])

/**
 * The shared HTTP client: see index.ts for the whole story. One client per connector run (its `stats` are the
 * run's); the per-host pacer lives in the client.
 */
export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const base = checkBaseUrl(opts.baseUrl)
  const baseUrl = base.toString().replace(/\/+$/, '')
  const origins = [
    base.origin,
    ...(opts.allowedOrigins ?? []).map((o) => checkBaseUrl(o, 'allowed origin').origin),
  ]
  const logger = (opts.logger ?? silentLogger()).child({ http: opts.name })
  const retry: RetryOptions = { ...defaultRetry, ...opts.retry }
  const readSignals = opts.rateSignals ?? standardRateSignals
  const random = opts.random ?? Math.random
  const timeoutMs = opts.timeoutMs ?? 30_000
  const connectTimeoutMs = opts.connectTimeoutMs ?? Math.min(10_000, timeoutMs)
  const httpsAgent = createHttpsAgent({ tls: opts.tls, connectTimeoutMs, logger, name: opts.name })
  const httpAgent = createHttpAgent({ connectTimeoutMs })
  const pacer = new HostPacer(opts.rateLimit ?? { concurrency: 4 })
  const stats = emptyStats()
  const ax = axios.create({
    httpsAgent,
    httpAgent,
    timeout: timeoutMs,
    maxRedirects: 0,
    // Bodies are read as text so bytes can be counted and bad JSON reported as such.
    responseType: 'text',
    transformResponse: [(d: unknown) => d],
    validateStatus: () => true,
    proxy: false,
  })

  function url(pathOrUrl: string, params?: RequestOptions['params']): string {
    let u: URL
    if (/^[a-z][a-z0-9+.-]*:/i.test(pathOrUrl)) {
      u = new URL(pathOrUrl)
      if (!origins.includes(u.origin)) {
        throw new UrlPolicyError(
          `refusing a request to ${u.origin}: only ${origins.join(', ')} is configured`,
        )
      }
    } else {
      u = new URL(baseUrl + (pathOrUrl.startsWith('/') ? pathOrUrl : `/${pathOrUrl}`))
    }
    assertTransportAllowed(u)
    if (params) {
      const extra = Object.entries(params)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${encodeQuery(k)}=${encodeQuery(String(v))}`)
      if (extra.length) u.search = u.search ? `${u.search}&${extra.join('&')}` : `?${extra.join('&')}`
    }
    return u.toString()
  }

  function count(targets: RequestStats[], f: (s: RequestStats) => void) {
    for (const t of targets) f(t)
  }

  async function request<T>(pathOrUrl: string, ro: RequestOptions = {}): Promise<HttpResponse<T>> {
    const method = ro.method ?? 'GET'
    const target = url(pathOrUrl, ro.params)
    const label = ro.endpoint ?? endpointLabel(method, new URL(target), base.pathname)
    const idempotent = ro.idempotent ?? IDEMPOTENT.has(method)
    const targets = ro.stats && ro.stats !== stats ? [stats, ro.stats] : [stats]
    const signal = ro.signal
    let attempt = 0
    let waited = 0
    let refreshed = false

    const fail = (message: string, init: Partial<ConstructorParameters<typeof HttpError>[1]>): HttpError => {
      count(targets, (s) => s.errors++)
      return new HttpError(message, { method, url: target, attempts: attempt, ...init })
    }

    /** Waits before the next attempt, or returns false when the caps say to give up. */
    const waitBeforeRetry = async (wait: number, hostWide: boolean, why: string): Promise<boolean> => {
      if (attempt >= retry.maxAttempts || waited + wait > retry.maxTotalWaitMs) return false
      waited += wait
      count(targets, (s) => s.retries++)
      logger.warn({ endpoint: label, attempt, waitMs: wait, reason: why }, 'retrying request')
      if (hostWide) {
        // The pacer holds every request to this host until then; the wait is counted when the slot opens.
        pacer.pause(wait)
      } else {
        await sleep(wait, signal)
      }
      return true
    }

    for (;;) {
      attempt++
      signal?.throwIfAborted()
      const headers: Record<string, string> = {
        accept: 'application/json',
        ...opts.headers,
        ...ro.headers,
      }
      if (opts.auth) headers.authorization = await opts.auth.getAuthHeader(signal)
      if (ro.body !== undefined) headers['content-type'] ??= 'application/json'
      let res: AxiosResponse<string>
      try {
        res = await pacer.run(
          () =>
            ax.request<string>({
              url: target,
              method,
              headers,
              data: ro.body === undefined ? undefined : JSON.stringify(ro.body),
              signal,
            }),
          signal,
          (ms) => count(targets, (s) => (s.rateLimitWaitMs += ms)),
        )
      } catch (e) {
        if (signal?.aborted) throw signal.reason
        const code = (e as { code?: string }).code
        const reason = `${code ?? 'error'}: ${(e as Error).message}`
        count(targets, (s) => {
          s.requests++
          s.byEndpoint[label] = (s.byEndpoint[label] ?? 0) + 1
        })
        // A body cut off mid-way (the connection dropped after the headers) is axios' ERR_BAD_RESPONSE "stream has
        // been aborted": as transient as a reset, so retried like one.
        const truncated = code === 'ERR_BAD_RESPONSE' && /aborted/i.test((e as Error).message)
        if (((code && RETRY_ERROR_CODES.has(code)) || truncated) && idempotent) {
          if (await waitBeforeRetry(backoffMs(attempt, retry, random), false, reason)) continue
        }
        // The axios error holds the request config and its Authorization header: only safe fields go on.
        throw fail(`${method} ${safeUrl(target)} failed after ${attempt} attempt(s): ${reason}`, { code })
      }

      const text = typeof res.data === 'string' ? res.data : ''
      const bytes = Buffer.byteLength(text)
      count(targets, (s) => {
        s.requests++
        s.bytes += bytes
        s.byEndpoint[label] = (s.byEndpoint[label] ?? 0) + 1
      })
      const resHeaders = flattenHeaders(res.headers as Record<string, unknown>)
      const status = res.status
      // Every exchange at trace level, for diagnosing a vendor; the logger redacts secret-named headers.
      logger.trace(
        { method, url: safeUrl(target), status, bytes, attempt, headers: resHeaders },
        'http response',
      )
      const rs = readSignals(resHeaders, status, Date.now())
      const throttled = status === 429 || (status === 503 && rs.retryAfterMs !== undefined)
      if (status === 429) count(targets, (s) => s.throttled++)
      pacer.observe(rs, throttled)
      const data = parseBody(text, resHeaders['content-type'])
      const ok = (status >= 200 && status < 300) || ro.acceptStatus?.includes(status)

      if (ok) {
        if (status >= 200 && status < 300 && data.error && text.trim()) {
          throw fail(`${method} ${safeUrl(target)}: the response is not valid JSON (${data.error})`, {
            status,
          })
        }
        return { status, headers: resHeaders, data: data.value as T, url: target, bytes }
      }
      if (status === 401 && opts.auth && !refreshed) {
        refreshed = true
        count(targets, (s) => s.retries++)
        logger.info({ endpoint: label }, '401: refreshing the token once and retrying')
        await opts.auth.refresh(signal)
        continue
      }
      if (mayRetryStatus(status, idempotent)) {
        const wait = rs.retryAfterMs ?? backoffMs(attempt, retry, random)
        if (await waitBeforeRetry(wait, throttled || status === 429, `status ${status}`)) continue
      }
      const vendorCode = vendorErrorCode(data.value)
      const detail = vendorErrorMessage(data.value)
      const gaveUp = mayRetryStatus(status, idempotent) ? ` (gave up after ${attempt} attempts)` : ''
      throw fail(
        `${method} ${safeUrl(target)} returned ${status}${vendorCode ? ` ${vendorCode}` : ''}${detail ? `: ${detail}` : ''}${gaveUp}`,
        { status, vendorCode, body: data.value, headers: resHeaders },
      )
    }
  }

  async function getJson<S extends z.ZodType>(
    pathOrUrl: string,
    schema: S,
    ro: RequestOptions = {},
  ): Promise<z.infer<S>> {
    const res = await request(pathOrUrl, ro)
    const parsed = schema.safeParse(res.data)
    if (!parsed.success) {
      throw new PayloadError(`unexpected response shape: ${formatZodIssues(parsed.error)}`, res.url)
    }
    return parsed.data
  }

  return {
    name: opts.name,
    baseUrl,
    origins,
    stats,
    pacer,
    request,
    getJson,
    url,
    resolveNext: (link, from) => resolveNextLink(link, from, origins),
    close: () => {
      httpsAgent.destroy()
      httpAgent.destroy()
    },
  }
}

/** Query encoding that keeps OData's `$` and `,` readable; both are legal in a query string. */
function encodeQuery(s: string): string {
  return encodeURIComponent(s).replace(/%24/g, '$').replace(/%2C/gi, ',')
}

function flattenHeaders(h: Record<string, unknown>): ResponseHeaders {
  const out: ResponseHeaders = {}
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || v === null) continue
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v)
  }
  return out
}

function parseBody(text: string, contentType: string | undefined): { value: unknown; error?: string } {
  const t = text.trim()
  if (!t) return { value: undefined }
  const looksJson = contentType?.includes('json') || t.startsWith('{') || t.startsWith('[')
  if (!looksJson) return { value: text }
  try {
    return { value: JSON.parse(t) }
  } catch (e) {
    return { value: text, error: (e as Error).message }
  }
}

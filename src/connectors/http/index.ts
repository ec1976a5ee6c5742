/**
 * The shared HTTP client of every connector (DESIGN section 6).
 *
 * ```ts
 * const http = createHttpClient({
 *   name: config.id, baseUrl: config.graphBaseUrl,
 *   auth,                                  // AuthProvider: getAuthHeader() + refresh() (one refresh on a 401)
 *   rateSignals: graphRateSignals,         // or oktaRateSignals, jiraRateSignals, servicenowRateSignals
 *   rateLimit: config.rateLimit,           // { concurrency, perSecond? } per host
 *   timeoutMs: config.timeoutMs, tls: config.tls, logger,
 * })
 * for await (const page of odataPages(http, '/users/delta', { params: { $select: 'id,mail' }, stats: w.stats, signal })) {
 *   const { records, invalid } = parseRecords(page.items, RawUser)     // zod at the edge, per record
 *   await w.write({ identities: records.map(toIdentity), invalid, checkpoint: page.nextLink ?? page.deltaLink })
 * }
 * ```
 *
 * - `request(pathOrUrl, { method, params, body, headers, signal, stats, endpoint, idempotent, acceptStatus })`
 *   returns `{ status, headers (lowercased), data (parsed JSON), url, bytes }` for 2xx (and `acceptStatus`),
 *   and throws `HttpError` otherwise. `getJson(path, schema)` validates the whole body with zod.
 * - Only the base URL's origin (plus `allowedOrigins`) is ever called; `http://` only to loopback; redirects
 *   are not followed. TLS verification is on unless `tls.insecure` (logged as a warning); `tls.caFile` adds a
 *   CA to Node's roots. `createHttpsAgent` gives the same trust to other libraries (msal).
 * - Pacing per host (`HostPacer`): p-queue caps concurrency; a limiter on top spaces request starts from
 *   `rateLimit.perSecond` and from the vendor's signals (remaining budget, Graph throttle percentage), and a
 *   429 pauses the whole host until its Retry-After / reset.
 * - Retries: 429 and 503 (any method), 504 and ECONNRESET/ETIMEDOUT/EAI_AGAIN/timeouts (idempotent only),
 *   waiting Retry-After (seconds or HTTP date) or the vendor's reset, else full-jitter exponential backoff;
 *   capped by `retry.maxAttempts` and `retry.maxTotalWaitMs`. Other 4xx are not retried. A 401 refreshes the
 *   token once and retries.
 * - Timeouts: `connectTimeoutMs` (TCP+TLS) and `timeoutMs` (response), per attempt. `signal` aborts waits,
 *   queued requests and requests in flight; the abort reason is thrown as is.
 * - Accounting: every request counts into the client's `stats` (the run) and the request's `stats` (the
 *   stream): requests by endpoint label, retries, 429s, time waiting on rate limits, bytes, errors.
 * - Errors are `HttpError` (status, vendorCode, redacted body, safe URL; never request headers or config),
 *   `PayloadError` (a malformed page) or `UrlPolicyError` (a refused URL or foreign next link).
 * - Paging: `odataPages` (Graph), `linkPages` (Okta, Link rel="next"), `tokenPages` (Jira nextPageToken),
 *   `offsetPages` (ServiceNow sysparm_offset + X-Total-Count + Link; JSM start/limit/isLastPage). Each page
 *   carries the cursor to checkpoint after it is written. `ahead(gen)` fetches the next page while the caller
 *   writes the current one.
 * - `parseRecords(items, schema)` validates records one by one: `{ records, invalid: [{ id, reason }] }` for
 *   `SyncBatch.invalid`.
 */
export { type AuthProvider, basicAuth, bearerAuth, staticAuth } from './auth.ts'
export {
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type HttpMethod,
  type HttpResponse,
  type RequestOptions,
} from './client.ts'
export { endpointLabel } from './endpoint.ts'
export { HttpError, PayloadError, safeUrl, vendorErrorCode, vendorErrorMessage } from './errors.ts'
export { HostPacer, type PacerOptions } from './pacer.ts'
export {
  ahead,
  type LinkPage,
  linkPages,
  nextFromLinkHeader,
  type ODataPage,
  type OffsetPage,
  type OffsetPagingOptions,
  odataPages,
  offsetPages,
  type TokenPage,
  type TokenPagingOptions,
  tokenPages,
} from './paging.ts'
export {
  graphRateSignals,
  jiraRateSignals,
  oktaRateSignals,
  parseRetryAfter,
  type RateSignal,
  type RateSignalReader,
  type ResponseHeaders,
  servicenowRateSignals,
  standardRateSignals,
} from './rate-signals.ts'
export { backoffMs, defaultRetry, type RetryOptions } from './retry.ts'
export { sleep } from './sleep.ts'
export { addStats, emptyStats, type RequestStats } from './stats.ts'
export { createHttpAgent, createHttpsAgent, readCaFile, type TlsOptions } from './tls.ts'
export { checkBaseUrl, isLoopbackHost, resolveNextLink, UrlPolicyError } from './urls.ts'
export { formatZodIssues, type InvalidRecord, parseRecords, recordId } from './validate.ts'

import type { Logger } from '../../core/logger.ts'
import { createHttpClient, type HttpClient, type RequestOptions } from '../http/client.ts'
import { HttpError, PayloadError } from '../http/errors.ts'
import { type ODataPage, odataPages } from '../http/paging.ts'
import { graphRateSignals, parseRetryAfter } from '../http/rate-signals.ts'
import { sleep } from '../http/sleep.ts'
import { createHttpsAgent } from '../http/tls.ts'
import { createEntraAuth, type EntraAuth } from './auth.ts'
import type { EntraConfig } from './config.ts'
import { RawBatchResponse } from './schema.ts'

export interface GraphClient {
  http: HttpClient
  auth: EntraAuth
  /** Closes keep-alive connections (Graph's and the token endpoint's). */
  close(): void
}

/** The Graph client of one run: the shared HTTP client with Graph's rate signals and msal auth. */
export function createGraphClient(config: EntraConfig, logger: Logger): GraphClient {
  const connectTimeoutMs = Math.min(10_000, config.timeoutMs)
  // The HTTP client logs an insecure TLS setting; this agent (for msal) shares it silently.
  const agent = createHttpsAgent({ tls: config.tls, connectTimeoutMs })
  const auth = createEntraAuth(config, { agent, logger })
  const http = createHttpClient({
    name: config.id,
    baseUrl: config.graphBaseUrl,
    auth,
    rateSignals: graphRateSignals,
    rateLimit: config.rateLimit,
    timeoutMs: config.timeoutMs,
    connectTimeoutMs,
    tls: config.tls,
    logger,
  })
  return {
    http,
    auth,
    close: () => {
      http.close()
      agent.destroy()
    },
  }
}

export interface BatchItem {
  status: number
  body: unknown
}

/** Graph's JSON batching takes at most 20 requests. */
export const BATCH_SIZE = 20
const MAX_ITEM_ATTEMPTS = 5

/**
 * GETs many relative URLs through `$batch`, 20 per request, and returns each item's status and body in input
 * order. Graph throttles items one by one: a 429/503/504 item is retried (in a later batch) after its own
 * Retry-After, up to a few times; other statuses are handed back for the caller to judge.
 */
export async function batchGet(
  http: HttpClient,
  urls: readonly string[],
  opts: Pick<RequestOptions, 'signal' | 'stats'> & { logger?: Logger },
): Promise<BatchItem[]> {
  const results: (BatchItem | undefined)[] = new Array(urls.length)
  let pending = urls.map((_, i) => i)
  for (let attempt = 1; pending.length; attempt++) {
    const retry: number[] = []
    let waitMs = 0
    const chunks: number[][] = []
    for (let i = 0; i < pending.length; i += BATCH_SIZE) chunks.push(pending.slice(i, i + BATCH_SIZE))
    await Promise.all(
      chunks.map(async (chunk) => {
        const res = await http.request('/$batch', {
          method: 'POST',
          idempotent: true,
          body: { requests: chunk.map((i) => ({ id: String(i), method: 'GET', url: urls[i] })) },
          signal: opts.signal,
          stats: opts.stats,
          endpoint: 'POST /$batch',
        })
        const parsed = RawBatchResponse.safeParse(res.data)
        if (!parsed.success) throw new PayloadError('malformed $batch response', res.url)
        const byId = new Map(parsed.data.responses.map((r) => [r.id, r]))
        for (const i of chunk) {
          const r = byId.get(String(i))
          if (!r) throw new PayloadError(`$batch response lacks item ${i}`, res.url)
          if ((r.status === 429 || r.status === 503 || r.status === 504) && attempt < MAX_ITEM_ATTEMPTS) {
            const headers = Object.fromEntries(
              Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
            )
            const wait = parseRetryAfter(headers['retry-after'], Date.now()) ?? 500 * 2 ** attempt
            waitMs = Math.max(waitMs, wait)
            if (r.status === 429) {
              http.stats.throttled++
              if (opts.stats && opts.stats !== http.stats) opts.stats.throttled++
            }
            retry.push(i)
          } else {
            results[i] = { status: r.status, body: r.body }
          }
        }
      }),
    )
    if (retry.length) {
      http.stats.retries += retry.length
      http.stats.rateLimitWaitMs += waitMs
      if (opts.stats && opts.stats !== http.stats) {
        opts.stats.retries += retry.length
        opts.stats.rateLimitWaitMs += waitMs
      }
      opts.logger?.warn({ items: retry.length, waitMs }, '$batch items throttled: retrying them')
      http.pacer.pause(waitMs)
      await sleep(waitMs, opts.signal)
    }
    pending = retry
  }
  return results as BatchItem[]
}

/**
 * The whole collection a batch item started: its first page (the item's body) and every page after it by
 * `@odata.nextLink`. An error status becomes an HttpError naming the URL.
 */
export async function* itemPages(
  http: HttpClient,
  url: string,
  item: BatchItem,
  opts: Pick<RequestOptions, 'signal' | 'stats'>,
): AsyncGenerator<unknown[]> {
  const full = http.url(url)
  if (item.status < 200 || item.status >= 300) {
    const code = (item.body as { error?: { code?: string; message?: string } } | undefined)?.error
    throw new HttpError(
      `GET ${full} (in $batch) returned ${item.status}${code?.code ? ` ${code.code}` : ''}${code?.message ? `: ${code.message}` : ''}`,
      {
        method: 'GET',
        url: full,
        status: item.status,
        vendorCode: code?.code,
        body: item.body,
        attempts: 1,
      },
    )
  }
  const body = item.body as Record<string, unknown> | undefined
  if (!body || !Array.isArray(body.value))
    throw new PayloadError('malformed page: expected a "value" array', full)
  yield body.value
  const next = body['@odata.nextLink']
  if (typeof next === 'string') {
    for await (const page of odataPages(
      http,
      http.resolveNext(next, full),
      opts,
    ) as AsyncGenerator<ODataPage>) {
      yield page.items
    }
  }
}

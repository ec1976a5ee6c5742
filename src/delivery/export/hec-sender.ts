import https from 'node:https'
import axios, { type AxiosInstance } from 'axios'
import type { Logger } from '../../core/logger.ts'
import { redact } from '../../core/redact.ts'
import { backoffMs, sleep } from '../outbox/failure.ts'
import type { OcsfEvent } from './ocsf.ts'

export interface HecTarget {
  /** The collector's base URL (`https://splunk.example.com:8088`). */
  url: string
  token: string
  index?: string
  sourcetype: string
  host?: string
  ca?: string | Buffer
}

export interface HecOptions {
  logger: Logger
  signal?: AbortSignal
  /** Attempts of one batch on 5xx / busy before the export stops (its cursor stays put). */
  maxAttempts?: number
  backoff?: { baseMs: number; maxMs: number }
  timeoutMs?: number
}

/** A refusal no retry can fix (token, index, format): the export stops with this message. */
export class HecError extends Error {
  override name = 'HecError'
  readonly status: number
  readonly code: number | null
  readonly permanent: boolean
  constructor(message: string, status: number, code: number | null, permanent: boolean) {
    super(message)
    this.status = status
    this.code = code
    this.permanent = permanent
  }
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

/** The event envelope: OCSF in `event`, epoch seconds in `time`, the finding uid as an indexed field. */
export function hecEnvelope(e: OcsfEvent, t: Pick<HecTarget, 'index' | 'sourcetype' | 'host'>): string {
  return JSON.stringify({
    time: e.time / 1000,
    ...(t.host ? { host: t.host } : {}),
    source: 'accord',
    sourcetype: t.sourcetype,
    ...(t.index ? { index: t.index } : {}),
    event: e,
    fields: { finding_uid: e.finding_info.uid },
  })
}

/**
 * Splunk HTTP Event Collector, `/services/collector/event`: batches of concatenated JSON envelopes. Retries only
 * what HEC says is worth retrying (5xx, code 9 "server busy") with backoff; 4xx (token, index, format) stop at
 * once with HEC's own text. The token never appears in an error.
 */
export function createHecSender(target: HecTarget, opts: HecOptions) {
  const base = new URL(target.url)
  if (base.protocol === 'http:' && !LOOPBACK.has(base.hostname))
    throw new Error(`splunk-hec url ${base.origin}: http:// is allowed only to loopback; use https://`)
  const endpoint = new URL('/services/collector/event', base).toString()
  const maxAttempts = opts.maxAttempts ?? 6
  const backoff = opts.backoff ?? { baseMs: 500, maxMs: 30_000 }
  const client: AxiosInstance = axios.create({
    timeout: opts.timeoutMs ?? 30_000,
    validateStatus: () => true,
    maxRedirects: 0,
    httpsAgent: target.ca ? new https.Agent({ ca: target.ca, keepAlive: true }) : undefined,
    headers: { Authorization: `Splunk ${target.token}`, 'Content-Type': 'application/json' },
    // The body is already the concatenated envelopes: axios must not JSON-encode the string again.
    transformRequest: [(d) => d],
    transformResponse: (d) => d,
  })

  return {
    async send(events: readonly OcsfEvent[]): Promise<void> {
      if (events.length === 0) return
      const body = events.map((e) => hecEnvelope(e, target)).join('\n')
      for (let attempt = 1; ; attempt++) {
        let status: number
        let text = ''
        let code: number | null = null
        let retryAfterMs: number | null = null
        try {
          const res = await client.post(endpoint, body, { signal: opts.signal })
          status = res.status
          try {
            const parsed = JSON.parse(String(res.data)) as { text?: string; code?: number }
            text = parsed.text ?? ''
            code = typeof parsed.code === 'number' ? parsed.code : null
          } catch {
            text = String(res.data ?? '').slice(0, 200)
          }
          const ra = Number(res.headers['retry-after'])
          if (Number.isFinite(ra) && ra > 0) retryAfterMs = Math.min(ra * 1000, backoff.maxMs)
        } catch (e) {
          if (opts.signal?.aborted) throw e
          // Connection errors: transient. axios errors carry the request headers; keep only the message.
          status = 0
          text = redact((e as Error).message)
        }
        if (status >= 200 && status < 300 && (code === null || code === 0)) return
        const retryable = status === 0 || status >= 500 || code === 9
        const what = `Splunk HEC ${base.origin} answered ${status || 'no response'}${code !== null ? ` code ${code}` : ''}: ${redact(text) || 'no text'}`
        if (!retryable) throw new HecError(what, status, code, true)
        if (attempt >= maxAttempts)
          throw new HecError(`${what} (after ${attempt} attempts)`, status, code, false)
        opts.logger.info({ attempt, status, code }, 'splunk hec retry')
        await sleep(retryAfterMs ?? backoffMs(attempt, backoff.baseMs, backoff.maxMs), opts.signal)
      }
    },
  }
}

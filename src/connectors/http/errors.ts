import { redact, redactDeep } from '../../core/redact.ts'

/** Query parameters whose values are secrets when a vendor takes them in the URL. */
const SECRET_PARAMS = /^(access_token|token|api_key|apikey|client_secret|password|sig|signature|code)$/i

/** The URL as it may appear in logs and errors: secret query parameters and registered secrets masked. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url)
    u.username = ''
    u.password = ''
    for (const k of [...u.searchParams.keys()]) {
      if (SECRET_PARAMS.test(k)) u.searchParams.set(k, '[REDACTED]')
    }
    return redact(u.toString())
  } catch {
    return redact(url)
  }
}

export interface HttpErrorInit {
  method: string
  url: string
  status?: number
  code?: string
  /** The vendor's error code from the body (Graph `error.code`, Okta `errorCode`), for branching. */
  vendorCode?: string
  body?: unknown
  headers?: Record<string, string>
  attempts: number
  cause?: unknown
}

/**
 * A failed request, already scrubbed: it carries the method, a safe URL, the status, the vendor's error code
 * and a redacted body, never the request config or headers (which hold the Authorization header). Every
 * failure leaves the client as one of these, so an axios error object never reaches a log.
 */
export class HttpError extends Error {
  override name = 'HttpError'
  readonly method: string
  readonly url: string
  readonly status: number | undefined
  readonly code: string | undefined
  readonly vendorCode: string | undefined
  readonly body: unknown
  readonly headers: Record<string, string>
  readonly attempts: number

  constructor(message: string, init: HttpErrorInit) {
    super(redact(message))
    this.method = init.method
    this.url = safeUrl(init.url)
    this.status = init.status
    this.code = init.code
    this.vendorCode = init.vendorCode
    this.body = redactDeep(init.body)
    const { 'set-cookie': _c, ...headers } = init.headers ?? {}
    this.headers = redactDeep(headers) as Record<string, string>
    this.attempts = init.attempts
  }

  /** What pino and JSON.stringify see: the scrubbed fields only. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      method: this.method,
      url: this.url,
      status: this.status,
      code: this.code,
      vendorCode: this.vendorCode,
      attempts: this.attempts,
    }
  }
}

/** A payload that does not have the shape the connector expects (a malformed page). */
export class PayloadError extends Error {
  override name = 'PayloadError'
  readonly url: string
  constructor(message: string, url: string) {
    super(redact(`${message} (${safeUrl(url)})`))
    this.url = safeUrl(url)
  }
}

/** Reads the vendor's error code from the four error body shapes we know. */
export function vendorErrorCode(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined
  const b = body as Record<string, unknown>
  const graph = b.error as Record<string, unknown> | undefined
  if (graph && typeof graph === 'object' && typeof graph.code === 'string') return graph.code
  if (typeof b.errorCode === 'string') return b.errorCode
  if (typeof b.code === 'string') return b.code
  return undefined
}

/** A short, human line from an error body (Graph/ServiceNow `error.message`, Okta `errorSummary`, Jira `errorMessages`). */
export function vendorErrorMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.slice(0, 300) || undefined
  if (!body || typeof body !== 'object') return undefined
  const b = body as Record<string, unknown>
  const e = b.error as Record<string, unknown> | undefined
  if (e && typeof e === 'object' && typeof e.message === 'string') {
    return typeof e.detail === 'string' ? `${e.message}: ${e.detail}` : e.message
  }
  if (typeof b.errorSummary === 'string') return b.errorSummary
  if (Array.isArray(b.errorMessages) && b.errorMessages.length) return b.errorMessages.join('; ')
  if (typeof b.message === 'string') return b.message
  return undefined
}

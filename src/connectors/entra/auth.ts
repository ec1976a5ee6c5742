import type https from 'node:https'
import { ConfidentialClientApplication, type Configuration, LogLevel } from '@azure/msal-node'
import axios from 'axios'
import type { Logger } from '../../core/logger.ts'
import { redact, registerSecret } from '../../core/redact.ts'
import type { AuthProvider } from '../http/auth.ts'
import { safeUrl } from '../http/errors.ts'
import { checkBaseUrl } from '../http/urls.ts'
import type { EntraConfig } from './config.ts'

export interface EntraAuth extends AuthProvider {
  /** A token for `check`: when it expires (the token itself stays inside). */
  acquire(signal?: AbortSignal): Promise<{ expiresOn: Date | null; scopes: string[] }>
}

/** The client-credentials scope of the Graph instance: `<graph origin>/.default` (national clouds differ). */
export function graphScope(graphBaseUrl: string): string {
  return `${new URL(graphBaseUrl).origin}/.default`
}

/**
 * Client-credential tokens from msal-node (secret or certificate). msal caches the token in memory and renews
 * it near expiry; nothing is written to disk. Its network client is ours, so token requests trust the same
 * CA (`tls.caFile`) and honour the same timeouts as Graph calls, and its errors never carry the request body
 * (which holds the client secret or assertion).
 */
export function createEntraAuth(
  config: EntraConfig,
  opts: { agent: https.Agent; logger: Logger },
): EntraAuth {
  const host = checkBaseUrl(config.authorityHost, 'authorityHost')
  const authority = `${host.origin}${host.pathname.replace(/\/+$/, '')}/${config.tenantId}`
  if (config.clientSecret) registerSecret(config.clientSecret)
  if (config.clientCertificate) registerSecret(config.clientCertificate.privateKey)
  const cert = config.clientCertificate
  const thumb = cert?.thumbprint.replace(/[:\s]/g, '')
  // msal reports a failed metadata or token request by its own code (endpoints_resolution_error) and drops the
  // cause: kept here so the error says what really failed (an untrusted certificate, a refused connection).
  let lastNetworkError: string | null = null
  const msalConfig: Configuration = {
    auth: {
      clientId: config.clientId,
      authority,
      knownAuthorities: [host.host],
      ...(config.clientSecret ? { clientSecret: config.clientSecret } : {}),
      ...(cert && thumb
        ? {
            clientCertificate: {
              ...(thumb.length === 64 ? { thumbprintSha256: thumb } : { thumbprint: thumb }),
              privateKey: cert.privateKey,
              ...(cert.certificate ? { x5c: cert.certificate } : {}),
            },
          }
        : {}),
    },
    system: {
      networkClient: msalNetworkClient(opts.agent, config.timeoutMs, (m) => {
        lastNetworkError = m
      }),
      loggerOptions: {
        piiLoggingEnabled: false,
        // msal warns about normal client-credential responses ("no client info"): errors only.
        logLevel: LogLevel.Error,
        loggerCallback: (level, message) => {
          if (level <= LogLevel.Error) opts.logger.error({ msal: true }, redact(message))
        },
      },
    },
  }
  const cca = new ConfidentialClientApplication(msalConfig)
  const scopes = [graphScope(config.graphBaseUrl)]
  let skipCache = false

  async function token() {
    let result: Awaited<ReturnType<typeof cca.acquireTokenByClientCredential>>
    lastNetworkError = null
    try {
      result = await cca.acquireTokenByClientCredential({ scopes, skipCache })
    } catch (e) {
      const err = e as { errorCode?: string; errorMessage?: string; message?: string }
      const cause = lastNetworkError ? ` (${lastNetworkError})` : ''
      throw new Error(
        redact(
          `Entra token request for client ${config.clientId} at ${authority} failed: ${`${err.errorCode ?? ''} ${err.errorMessage ?? err.message ?? String(e)}`.trim()}${cause}`,
        ),
      )
    }
    skipCache = false
    if (!result?.accessToken) throw new Error(`Entra token request at ${authority} returned no access token`)
    // Any log line or error that might echo the token is scrubbed from now on.
    registerSecret(result.accessToken)
    return result
  }

  return {
    async getAuthHeader(signal) {
      signal?.throwIfAborted()
      const r = await token()
      return `${r.tokenType || 'Bearer'} ${r.accessToken}`
    },
    async refresh() {
      skipCache = true
    },
    async acquire(signal) {
      signal?.throwIfAborted()
      const r = await token()
      return { expiresOn: r.expiresOn ?? null, scopes: r.scopes }
    },
  }
}

type NetworkModule = NonNullable<NonNullable<Configuration['system']>['networkClient']>

const TOKEN_ATTEMPTS = 4
const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504])
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EPIPE',
  'EAI_AGAIN',
  'ERR_BAD_RESPONSE',
])

/** msal's network client over axios with our agent. */
function msalNetworkClient(
  agent: https.Agent,
  timeoutMs: number,
  onError: (message: string) => void = () => {},
): NetworkModule {
  const send = async (
    method: 'GET' | 'POST',
    url: string,
    headers?: Record<string, string>,
    body?: string,
  ) => {
    checkBaseUrl(url, 'token endpoint')
    // Token and metadata requests are safe to repeat: a throttled, unavailable or dropped one is retried a few
    // times (Retry-After honoured, capped), so one 5xx from the token endpoint does not fail a whole sync.
    let res: Awaited<ReturnType<typeof axios.request<string>>> | undefined
    for (let attempt = 1; ; attempt++) {
      let wait = Math.min(5_000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2)
      try {
        res = await axios.request<string>({
          url,
          method,
          headers,
          data: body,
          httpsAgent: agent,
          timeout: timeoutMs,
          maxRedirects: 0,
          responseType: 'text',
          transformResponse: [(d: unknown) => d],
          validateStatus: () => true,
          proxy: false,
        })
      } catch (e) {
        // Not the axios error: its config holds the form body with the client secret or assertion.
        const code = (e as { code?: string }).code ?? 'error'
        const message = `${method} ${safeUrl(url)} failed: ${code}: ${redact((e as Error).message)}`
        onError(message)
        // A certificate or a refused connection will not change in a second: only transient codes retry.
        if (attempt >= TOKEN_ATTEMPTS || !TRANSIENT_CODES.has(code)) throw new Error(message)
        await new Promise((r) => setTimeout(r, wait))
        continue
      }
      if (!TRANSIENT_STATUSES.has(res.status) || attempt >= TOKEN_ATTEMPTS) break
      const retryAfter = Number(res.headers['retry-after'])
      if (Number.isFinite(retryAfter) && retryAfter >= 0) wait = Math.min(30_000, retryAfter * 1000)
      onError(`${method} ${safeUrl(url)} returned ${res.status}`)
      await new Promise((r) => setTimeout(r, wait))
    }
    const out: Record<string, string> = {}
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k.toLowerCase()] = String(v)
    let parsed: unknown = res.data
    try {
      parsed = JSON.parse(res.data)
    } catch {
      // msal reports the status; a non-JSON body is left as text.
    }
    return { headers: out, body: parsed, status: res.status }
  }
  return {
    sendGetRequestAsync: async <T>(url: string, options?: { headers?: Record<string, string> }) =>
      (await send('GET', url, options?.headers)) as {
        headers: Record<string, string>
        body: T
        status: number
      },
    sendPostRequestAsync: async <T>(
      url: string,
      options?: { headers?: Record<string, string>; body?: string },
    ) =>
      (await send('POST', url, options?.headers, options?.body)) as {
        headers: Record<string, string>
        body: T
        status: number
      },
  }
}

import axios, { type AxiosResponse } from 'axios'
import { redact, registerSecret } from '../../core/redact.ts'
import type { AuthProvider } from '../http/auth.ts'
import { basicAuth } from '../http/auth.ts'
import { HttpError } from '../http/errors.ts'
import { createHttpAgent, createHttpsAgent, type TlsOptions } from '../http/tls.ts'
import { checkBaseUrl } from '../http/urls.ts'
import { formatZodIssues } from '../http/validate.ts'
import type { ServiceNowConfig } from './config.ts'
import { SnTokenResponse } from './schema.ts'

/** Renew this long before `expires_in` says the token dies, so a page request never races the expiry. */
const EXPIRY_MARGIN_MS = 60_000

/** Basic auth, or OAuth through `oauth_token.do`; OAuth tokens live in this object only. */
export function serviceNowAuth(
  config: Pick<ServiceNowConfig, 'auth' | 'baseUrl' | 'timeoutMs'> & { tls?: TlsOptions },
): AuthProvider {
  const auth = config.auth
  if (auth.type === 'basic') return basicAuth(auth.username, auth.password)
  return oauthProvider({
    tokenUrl: auth.tokenUrl ?? `${config.baseUrl.replace(/\/+$/, '')}/oauth_token.do`,
    grant: auth.grant,
    clientId: auth.clientId,
    clientSecret: auth.clientSecret,
    username: auth.username,
    password: auth.password,
    timeoutMs: config.timeoutMs,
    tls: config.tls,
  })
}

interface OAuthOptions {
  tokenUrl: string
  grant: 'password' | 'client_credentials'
  clientId: string
  clientSecret: string
  username?: string
  password?: string
  timeoutMs: number
  tls?: TlsOptions
}

/**
 * The password grant returns a refresh token; renewals use it and fall back to the password grant when it is
 * refused. The client-credentials grant (Washington DC and later, off by default) simply asks again. The token
 * request must be form-encoded: JSON "results in an unspecified error" (vendor docs).
 */
function oauthProvider(o: OAuthOptions): AuthProvider {
  const url = checkBaseUrl(o.tokenUrl, 'auth.tokenUrl')
  const agentOpts = { tls: o.tls, connectTimeoutMs: Math.min(10_000, o.timeoutMs) }
  const ax = axios.create({
    timeout: o.timeoutMs,
    httpsAgent: createHttpsAgent(agentOpts),
    httpAgent: createHttpAgent(agentOpts),
    maxRedirects: 0,
    proxy: false,
    validateStatus: () => true,
  })
  let token: { access: string; refresh?: string; expiresAt: number } | null = null
  let pending: Promise<void> | null = null

  async function fetchToken(form: Record<string, string>, signal?: AbortSignal): Promise<boolean> {
    const body = new URLSearchParams({ ...form, client_id: o.clientId, client_secret: o.clientSecret })
    let res: AxiosResponse
    try {
      res = await ax.post(url.toString(), body.toString(), {
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        signal,
      })
    } catch (e) {
      // Never pass the axios error on: its config holds the form with the client secret and password.
      throw new HttpError(`POST ${url.origin}${url.pathname} failed: ${redact((e as Error).message)}`, {
        method: 'POST',
        url: url.toString(),
        code: (e as { code?: string }).code,
        attempts: 1,
      })
    }
    if (res.status === 401 || res.status === 400) {
      if (form.grant_type === 'refresh_token') return false
      throw new HttpError(
        `ServiceNow refused the OAuth ${o.grant} grant (${res.status}): check auth.clientId, auth.clientSecret${o.grant === 'password' ? ', auth.username and auth.password' : ' and that the client-credentials grant is enabled for an OAuth Application User'}`,
        { method: 'POST', url: url.toString(), status: res.status, attempts: 1 },
      )
    }
    if (res.status < 200 || res.status >= 300) {
      throw new HttpError(`POST ${url.origin}${url.pathname} returned ${res.status}`, {
        method: 'POST',
        url: url.toString(),
        status: res.status,
        attempts: 1,
      })
    }
    const parsed = SnTokenResponse.safeParse(res.data)
    if (!parsed.success)
      throw new Error(`the OAuth token response is not usable: ${formatZodIssues(parsed.error)}`)
    const t = parsed.data
    registerSecret(t.access_token)
    if (t.refresh_token) registerSecret(t.refresh_token)
    const ttl = Number(t.expires_in ?? 1800) * 1000
    token = {
      access: t.access_token,
      refresh: t.refresh_token ?? token?.refresh,
      expiresAt: Date.now() + Math.max(ttl - EXPIRY_MARGIN_MS, ttl / 2),
    }
    return true
  }

  async function renew(signal?: AbortSignal): Promise<void> {
    if (
      token?.refresh &&
      (await fetchToken({ grant_type: 'refresh_token', refresh_token: token.refresh }, signal))
    )
      return
    if (o.grant === 'password') {
      await fetchToken(
        { grant_type: 'password', username: o.username ?? '', password: o.password ?? '' },
        signal,
      )
    } else {
      await fetchToken({ grant_type: 'client_credentials' }, signal)
    }
  }

  /** One renewal at a time: concurrent requests wait for the same token. */
  function renewOnce(signal?: AbortSignal): Promise<void> {
    pending ??= renew(signal).finally(() => {
      pending = null
    })
    return pending
  }

  return {
    async getAuthHeader(signal) {
      if (!token || Date.now() >= token.expiresAt) await renewOnce(signal)
      return `Bearer ${token!.access}`
    },
    async refresh(signal) {
      if (token) token.expiresAt = 0
      await renewOnce(signal)
    },
  }
}

/**
 * `accord check` for Okta: the credential (API token, or the service app's token request), one read per scope
 * the sync needs, and how much of each endpoint's rate budget is left right now.
 */
import { now } from '../../core/clock.ts'
import type { CheckContext, CheckItem } from '../types.ts'
import { createOktaClient } from './client.ts'
import type { OktaConfig } from './config.ts'

interface Probe {
  scope: string
  path: string
  params?: Record<string, string | number>
  what: string
}

function probes(): Probe[] {
  return [
    { scope: 'okta.users.read', path: '/api/v1/users', params: { limit: 1 }, what: 'users' },
    { scope: 'okta.groups.read', path: '/api/v1/groups', params: { limit: 1 }, what: 'groups' },
    { scope: 'okta.apps.read', path: '/api/v1/apps', params: { limit: 1 }, what: 'apps' },
    {
      scope: 'okta.roles.read',
      path: '/api/v1/iam/assignees/users',
      params: { limit: 1 },
      what: 'admin roles',
    },
    {
      scope: 'okta.logs.read',
      path: '/api/v1/logs',
      params: { limit: 1, since: new Date(now().getTime() - 15 * 60_000).toISOString() },
      what: 'the System Log',
    },
    { scope: 'okta.apiTokens.read', path: '/api/v1/api-tokens', params: { limit: 1 }, what: 'API tokens' },
  ]
}

/** Below this share of a window's budget left, the check warns: a sync now would mostly wait. */
const LOW_HEADROOM = 0.1

export async function checkOkta(config: OktaConfig, ctx: CheckContext): Promise<CheckItem[]> {
  const items: CheckItem[] = []
  const client = createOktaClient(
    { ...config, rateLimit: { ...config.rateLimit, concurrency: 1 } },
    ctx.logger,
  )
  const oauth = config.auth.type === 'oauth'
  const credential = oauth
    ? `service app ${config.auth.type === 'oauth' ? config.auth.clientId : ''}`
    : 'API token'
  try {
    await client.auth.getAuthHeader(ctx.signal)
    const granted = client.auth.scopesGranted?.()
    items.push({
      name: 'okta credential',
      ok: true,
      detail: oauth
        ? `${credential} got an access token${granted ? ` with scopes ${granted.join(' ')}` : ''}`
        : 'API token configured (SSWS)',
    })
  } catch (e) {
    items.push({
      name: 'okta credential',
      ok: false,
      detail: (e as Error).message,
      fix: 'register the public key of auth.privateKey on the API service app (Public key / Private key client authentication) and check clientId and orgUrl',
    })
    return items
  }

  const headroom: string[] = []
  let low = false
  for (const p of probes()) {
    try {
      const res = await client.http.request(p.path, {
        params: p.params,
        signal: ctx.signal,
        acceptStatus: [401, 403],
      })
      const limit = Number(res.headers['x-rate-limit-limit'])
      const remaining = Number(res.headers['x-rate-limit-remaining'])
      if (limit > 0 && Number.isFinite(remaining)) {
        headroom.push(`${p.what} ${remaining}/${limit}`)
        if (remaining / limit < LOW_HEADROOM) low = true
      }
      if (res.status === 401) {
        items.push({
          name: `okta ${p.scope}`,
          ok: false,
          detail: `reading ${p.what} was refused: the ${credential} is not valid (401)`,
          fix: oauth ? 'check the service app and its key' : 'create a new API token and update auth.token',
        })
      } else if (res.status === 403) {
        items.push({
          name: `okta ${p.scope}`,
          ok: false,
          detail: `reading ${p.what} is forbidden (403)`,
          fix: oauth
            ? `grant ${p.scope} on the service app's "Okta API Scopes" tab, and assign it a read-only admin role`
            : `the token's admin needs a role that can read ${p.what} (Read-only Administrator covers every stream)`,
        })
      } else {
        items.push({ name: `okta ${p.scope}`, ok: true, detail: `can read ${p.what}` })
      }
    } catch (e) {
      items.push({ name: `okta ${p.scope}`, ok: false, detail: (e as Error).message })
    }
  }
  items.push({
    name: 'okta rate-limit headroom',
    ok: !low,
    detail: headroom.length
      ? `requests left in the current window: ${headroom.join(', ')}`
      : 'Okta sent no X-Rate-Limit headers',
    ...(low
      ? {
          fix: 'another client is using most of this org\'s budget; raise the app\'s share on its "Application rate limits" tab or sync later',
        }
      : {}),
  })
  return items
}

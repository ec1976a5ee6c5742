import { createHash, timingSafeEqual } from 'node:crypto'
import { ReplyError, type RequestContext } from '../core/index.ts'
import type { JiraUser } from '../state.ts'
import type { JiraDatabase } from './database.ts'
import { jiraError } from './errors.ts'
import type { JiraPrincipal } from './issues.ts'

export interface JiraCredentials {
  /** Email + API token pairs (basic auth). `accountId` names the site user the token belongs to, when given. */
  tokens: { email: string; token: string; accountId?: string }[]
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * Basic auth with email and API token, as Jira Cloud takes it. The caller becomes the site user with that
 * account id or email, or an integration user of its own when the site has none.
 */
export function jiraAuthenticator(
  db: JiraDatabase,
  creds: JiraCredentials,
): (ctx: RequestContext) => JiraPrincipal {
  // Resolved once per credential: a site's users do not change under a token.
  const principals = new Map<JiraCredentials['tokens'][number], JiraPrincipal>()
  return (ctx) => {
    const header = ctx.req.headers.authorization ?? ''
    const [scheme, value = ''] = header.split(' ', 2)
    if (scheme?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      const email = decoded.slice(0, colon)
      const entry = creds.tokens.find((t) => same(t.email, email) && same(t.token, decoded.slice(colon + 1)))
      if (colon > 0 && entry) {
        const known = principals.get(entry)
        if (known) return known
        const user: JiraUser = (entry.accountId ? db.users.get(entry.accountId) : undefined) ??
          db.tenant.users.find((u) => u.emailAddress?.toLowerCase() === email.toLowerCase()) ?? {
            accountId: `712020:${createHash('sha256').update(email).digest('hex').slice(0, 24)}`,
            displayName: email,
            emailAddress: email,
            active: true,
            accountType: 'atlassian',
          }
        principals.set(entry, { user })
        return { user }
      }
    }
    throw new ReplyError(jiraError(401, ['Client must be authenticated to access this resource.']))
  }
}

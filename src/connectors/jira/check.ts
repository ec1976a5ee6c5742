import type { CheckContext, CheckItem } from '../types.ts'
import { createJiraHttp } from './client.ts'
import type { JiraConfig } from './config.ts'
import { buildSearchJql } from './jql.ts'

/** Who the token is, and whether the configured JQL runs: before the first sync. */
export async function checkJira(config: JiraConfig, ctx: CheckContext): Promise<CheckItem[]> {
  const http = createJiraHttp(config, ctx.logger)
  const items: CheckItem[] = []
  try {
    const me = (await http.request('/rest/api/3/myself', { signal: ctx.signal })).data as {
      accountId?: string
      timeZone?: string
    }
    items.push({ name: 'authenticate', ok: true, detail: `as ${me.accountId ?? 'unknown'}` })
    if (me.timeZone && me.timeZone !== 'UTC' && me.timeZone !== 'Etc/UTC')
      items.push({
        name: 'profile time zone',
        ok: false,
        detail: `the integration account's time zone is ${me.timeZone}: JQL dates are read in it`,
        fix: 'set the account profile time zone to UTC so the updated >= watermark is exact',
      })
  } catch (e) {
    items.push({
      name: 'authenticate',
      ok: false,
      detail: (e as Error).message,
      fix: 'check auth.email and auth.token',
    })
    return items
  }
  if (config.tickets) {
    try {
      const jql = buildSearchJql(config.tickets.jql, [])
      await http.request('/rest/api/3/search/jql', {
        method: 'POST',
        body: { jql, fields: ['id'], maxResults: 1 },
        idempotent: true,
        signal: ctx.signal,
      })
      items.push({ name: 'tickets.jql', ok: true, detail: 'runs' })
    } catch (e) {
      items.push({
        name: 'tickets.jql',
        ok: false,
        detail: (e as Error).message,
        // Jira answers a JQL naming a project the account cannot browse as if the project did not exist.
        fix: 'give the account the Browse projects permission on every project tickets.jql names, then check the JQL itself',
      })
    }
  }
  return items
}

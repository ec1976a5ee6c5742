import { afterEach, describe, expect, it } from 'vitest'
import {
  type JiraSimulator,
  type JiraSimulatorOptions,
  startJiraSimulator,
} from '../../../../src/sandbox/jira/index.ts'
import { BASIC, type Json, smallJira } from './fixture.ts'

let sim: JiraSimulator | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})
async function start(options: JiraSimulatorOptions = {}, size = 12) {
  sim = await startJiraSimulator(smallJira(size), options)
  return sim
}

async function call(s: JiraSimulator, method: string, path: string, body?: unknown, auth = BASIC) {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: { authorization: auth, 'content-type': 'application/json', accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as Json }
}
const search = (s: JiraSimulator, body: Record<string, unknown>) =>
  call(s, 'POST', '/rest/api/3/search/jql', body)
const keysOf = (r: { body: Json }) => r.body.issues.map((i: { key: string }) => i.key)

describe('Jira enhanced search: the rules Jira Cloud enforces', () => {
  it('rejects an empty JQL and an unbounded one with 400', async () => {
    const s = await start()
    for (const jql of ['', '   ', 'ORDER BY key DESC']) {
      const r = await search(s, { jql })
      expect(r.status).toBe(400)
      expect(r.body).toEqual({
        errorMessages: [
          'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
        ],
        errors: {},
      })
    }
    expect((await call(s, 'GET', '/rest/api/3/search/jql')).status).toBe(400)
  })

  it('answers the removed /rest/api/3/search with 410 and Atlassian body', async () => {
    const s = await start()
    for (const method of ['GET', 'POST']) {
      const r = await call(
        s,
        method,
        '/rest/api/3/search?jql=project%3DACCESS',
        method === 'POST' ? { jql: 'project = ACCESS' } : undefined,
      )
      expect(r.status).toBe(410)
      expect(r.body.errorMessages[0]).toMatch(
        /has been removed\. Please migrate to the \/rest\/api\/3\/search\/jql API/,
      )
      expect(r.body.errors).toEqual({})
    }
  })

  it('answers bad JQL with 400 and the parser message', async () => {
    const s = await start()
    const r = await search(s, { jql: 'nosuch = 1' })
    expect(r.status).toBe(400)
    expect(r.body.errorMessages).toEqual([
      "Field 'nosuch' does not exist or you do not have permission to view it.",
    ])
  })

  it('caps maxResults at 5000 for ids only and at 100 with fields, and refuses a foreign page token', async () => {
    const s = await start({}, 260)
    const ids = await search(s, { jql: 'project = ACCESS', maxResults: 10000 })
    expect(ids.body.issues).toHaveLength(260)
    expect(ids.body.isLast).toBe(true)
    const withFields = await search(s, {
      jql: 'project = ACCESS',
      maxResults: 1000,
      fields: ['*all', '-description'],
    })
    expect(withFields.body.issues).toHaveLength(100)
    expect(withFields.body.isLast).toBe(false)
    const foreign = await search(s, {
      jql: 'project = IAM OR project = ACCESS',
      nextPageToken: withFields.body.nextPageToken,
    })
    expect(foreign.status).toBe(400)
    const defaults = await search(s, { jql: 'project = ACCESS' })
    expect(defaults.body.issues).toHaveLength(50)
  })

  it('is eventually consistent: a new or changed issue reaches search after the delay; GET issue at once', async () => {
    let clock = 1_000_000
    const s = await start({ searchDelayMs: 5000, consistencyClock: () => clock })
    const created = await call(s, 'POST', '/rest/api/3/issue', {
      fields: {
        project: { key: 'IAM' },
        issuetype: { name: 'Task' },
        summary: 'finding',
        labels: ['accord-finding'],
      },
    })
    expect(created.status).toBe(201)
    expect((await call(s, 'GET', `/rest/api/3/issue/${created.body.key}`)).status).toBe(200)
    expect(keysOf(await search(s, { jql: 'labels = accord-finding', fields: ['key'] }))).toEqual([])
    // reconcileIssues gives read-after-write for the ids named.
    const reconciled = await search(s, {
      jql: 'labels = accord-finding',
      fields: ['key'],
      reconcileIssues: [Number(created.body.id)],
    })
    expect(keysOf(reconciled)).toEqual(['IAM-1'])
    clock += 5000
    expect(keysOf(await search(s, { jql: 'labels = accord-finding', fields: ['key'] }))).toEqual(['IAM-1'])

    // A transition: search still matches the old status until the delay passes, but returns live fields.
    const done = await call(s, 'POST', '/rest/api/3/issue/ACCESS-5/transitions', { transition: { id: '31' } })
    expect(done.status).toBe(204)
    const stale = await search(s, { jql: 'key = ACCESS-5 AND status = Open', fields: ['status'] })
    expect(stale.body.issues.map((i: Json) => i.fields.status.name)).toEqual(['Done'])
    expect(keysOf(await search(s, { jql: 'key = ACCESS-5 AND status = Done', fields: ['key'] }))).toEqual([])
    clock += 5000
    expect(keysOf(await search(s, { jql: 'key = ACCESS-5 AND status = Done', fields: ['key'] }))).toEqual([
      'ACCESS-5',
    ])
  })

  it('moves updated on writes and finds them with an updated >= watermark', async () => {
    process.env.ACCORD_NOW = '2026-11-29T10:00:00Z'
    try {
      const s = await start({ searchDelayMs: 0 })
      await call(s, 'POST', '/rest/api/3/issue/ACCESS-6/comment', {
        body: {
          type: 'doc',
          version: 1,
          content: [{ type: 'paragraph', content: [{ type: 'text', text: 'hi' }] }],
        },
      })
      const issue = await call(s, 'GET', '/rest/api/3/issue/ACCESS-6?fields=updated')
      expect(issue.body.fields.updated).toBe('2026-11-29T10:00:00.000+0000')
      const changed = await search(s, {
        jql: 'project = ACCESS AND updated >= "2026/11/29 10:00" ORDER BY updated ASC, key ASC',
        fields: ['updated'],
      })
      expect(keysOf(changed)).toEqual(['ACCESS-6'])
    } finally {
      delete process.env.ACCORD_NOW
    }
  })

  it('refuses a wrong API token with 401 and answers unknown issues with 404 bodies', async () => {
    const s = await start()
    const bad = await call(
      s,
      'GET',
      '/rest/api/3/issue/ACCESS-1',
      undefined,
      `Basic ${Buffer.from('svc-accord@contoso.com:nope').toString('base64')}`,
    )
    expect(bad.status).toBe(401)
    expect(bad.body).toEqual({
      errorMessages: ['Client must be authenticated to access this resource.'],
      errors: {},
    })
    const missing = await call(s, 'GET', '/rest/api/3/issue/ACCESS-999')
    expect(missing.status).toBe(404)
    expect(missing.body).toEqual({
      errorMessages: ['Issue does not exist or you do not have permission to see it.'],
      errors: {},
    })
    const prop = await call(s, 'GET', '/rest/api/3/issue/ACCESS-1/properties/nope')
    expect(prop.body).toEqual({ errorMessages: ["The property with key 'nope' does not exist."], errors: {} })
  })

  it('rate limits per endpoint with 429, Retry-After, ISO-8601 X-RateLimit-Reset and Limit/Remaining', async () => {
    let clock = Date.parse('2026-11-29T10:00:00Z')
    const s = await start({ rateLimits: { burst: { capacity: 3, windowMs: 1000 } }, clock: () => clock })
    for (let i = 0; i < 3; i++) {
      const ok = await call(s, 'GET', '/rest/api/3/field')
      expect(ok.status).toBe(200)
      expect(ok.headers.get('x-ratelimit-limit')).toBe('3')
      expect(ok.headers.get('x-ratelimit-remaining')).toBe(String(2 - i))
    }
    // Another endpoint has its own bucket.
    expect((await call(s, 'GET', '/rest/api/3/issue/ACCESS-1')).status).toBe(200)
    const limited = await call(s, 'GET', '/rest/api/3/field')
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('1')
    expect(limited.headers.get('x-ratelimit-reset')).toBe('2026-11-29T10:01Z')
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(limited.headers.get('ratelimit-reason')).toBe('jira-burst-based')
    expect(limited.body).toEqual({ errorMessages: ['Rate limit exceeded.'], errors: {} })
    clock += 1000
    expect((await call(s, 'GET', '/rest/api/3/field')).status).toBe(200)
  })

  it('injects each fault kind with Jira-shaped replies', async () => {
    const s = await start()
    s.setFaults('5xx=1')
    const e = await call(s, 'GET', '/rest/api/3/field')
    expect(e.status).toBe(503)
    expect(e.body.errorMessages).toHaveLength(1)
    s.setFaults('429=1')
    const t = await call(s, 'GET', '/rest/api/3/field')
    expect(t.status).toBe(429)
    expect(t.headers.get('retry-after')).toBe('1')
    expect(t.headers.get('x-ratelimit-reset')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/)
    s.setFaults('reset=1')
    await expect(call(s, 'GET', '/rest/api/3/field')).rejects.toThrow()
    s.setFaults('truncate=1')
    await expect(call(s, 'GET', '/rest/api/3/field')).rejects.toThrow()
    s.setFaults('latency=150ms@1')
    const started = performance.now()
    expect((await call(s, 'GET', '/rest/api/3/field')).status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
  })
})

import { afterEach, describe, expect, it } from 'vitest'
import {
  RATE_LIMIT_RULE_SYS_ID,
  type ServiceNowSimulator,
  type ServiceNowSimulatorOptions,
  startServiceNowSimulator,
} from '../../../../src/sandbox/servicenow/index.ts'
import { BASIC, ID, type Json, smallServiceNow } from './fixture.ts'

let sim: ServiceNowSimulator | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
  delete process.env.ACCORD_NOW
})
async function start(options: ServiceNowSimulatorOptions = {}) {
  sim = await startServiceNowSimulator(smallServiceNow(), options)
  return sim
}

function call(
  s: ServiceNowSimulator,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  return fetch(`${s.url}${path}`, {
    method,
    headers: {
      authorization: BASIC,
      'content-type': 'application/json',
      accept: 'application/json',
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
}

function tokenRequest(s: ServiceNowSimulator, form: Record<string, string>) {
  return fetch(`${s.url}/oauth_token.do`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  })
}

const CLIENT = { client_id: 'accord-sandbox', client_secret: 'sandbox-servicenow-secret' }

describe('ServiceNow simulator: writes', () => {
  it('creates an incident as the documented example: 201, Location, the fields asked for, all strings', async () => {
    const s = await start()
    process.env.ACCORD_NOW = '2026-11-29T10:00:00Z'
    const res = await call(
      s,
      'POST',
      '/api/now/table/incident?sysparm_exclude_reference_link=true&sysparm_fields=sys_id,number,sys_updated_on,urgency,assignment_group,u_unknown',
      {
        short_description: 'Orphaned admin account',
        urgency: 2,
        impact: '2',
        assignment_group: ID.carol,
        u_unknown: 'x',
      },
    )
    expect(res.status).toBe(201)
    const { result } = (await res.json()) as Json
    expect(result).toEqual({
      sys_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      number: 'INC0010001',
      sys_updated_on: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
      urgency: '2',
      assignment_group: ID.carol,
    })
    expect(result.sys_updated_on >= '2026-11-29 10:00:00').toBe(true)
    expect(res.headers.get('location')).toBe(`${s.url}/api/now/table/incident/${result.sys_id}`)

    const none = await call(
      s,
      'POST',
      '/api/now/table/incident',
      { short_description: 'quiet' },
      { 'X-no-response-body': 'true' },
    )
    expect(none.status).toBe(201)
    expect(await none.text()).toBe('')
  })

  it('PATCH updates the given fields and moves sys_updated_on on every write, even with a frozen clock', async () => {
    const s = await start()
    process.env.ACCORD_NOW = '2026-11-29T10:00:00Z'
    const created = (
      (await (await call(s, 'POST', '/api/now/v2/table/incident', { short_description: 'a' })).json()) as Json
    ).result
    const stamps = [created.sys_updated_on]
    for (const state of ['2', '6']) {
      const res = await call(
        s,
        'PATCH',
        `/api/now/v2/table/incident/${created.sys_id}?sysparm_fields=state,sys_updated_on,sys_mod_count`,
        { state, sys_updated_on: '1999-01-01 00:00:00' },
      )
      expect(res.status).toBe(200)
      const { result } = (await res.json()) as Json
      expect(result.state).toBe(state)
      stamps.push(result.sys_updated_on)
    }
    expect(new Set(stamps).size).toBe(3)
    expect([...stamps].sort()).toEqual(stamps)
    expect((await call(s, 'PATCH', '/api/now/v2/table/incident/0123', { state: '2' })).status).toBe(404)
  })

  it('serves another configured table with its own columns and references', async () => {
    const s = await start({
      tables: {
        u_access_finding: {
          columns: ['sys_id', 'sys_created_on', 'sys_updated_on', 'number', 'u_fingerprint', 'u_owner'],
          references: { u_owner: 'sys_user' },
        },
      },
    })
    const res = await call(s, 'POST', '/api/now/v2/table/u_access_finding', {
      u_fingerprint: 'f-1',
      u_owner: ID.alice,
      nope: 'x',
    })
    expect(res.status).toBe(201)
    const list = (await (
      await call(
        s,
        'GET',
        '/api/now/v2/table/u_access_finding?sysparm_query=u_fingerprint=f-1&sysparm_fields=u_fingerprint,u_owner.email,nope',
      )
    ).json()) as Json
    expect(list.result).toEqual([{ u_fingerprint: 'f-1', 'u_owner.email': 'alice@contoso.com' }])
  })

  it('refuses a body that is not JSON with the ServiceNow error envelope', async () => {
    const s = await start()
    const res = await fetch(`${s.url}/api/now/v2/table/incident`, {
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': 'application/json' },
      body: '{not json',
    })
    expect(res.status).toBe(400)
    expect((await res.json()) as Json).toMatchObject({
      error: { message: 'Exception while reading request' },
      status: 'failure',
    })
  })
})

describe('ServiceNow simulator: OAuth (oauth_token.do)', () => {
  it('issues tokens for the form-encoded password grant, refreshes them, and refuses JSON bodies', async () => {
    let clock = 1_000_000
    const s = await start({ tokenClock: () => clock })
    const res = await tokenRequest(s, {
      ...CLIENT,
      grant_type: 'password',
      username: 'svc_accord',
      password: 'sandbox-servicenow-password',
    })
    expect(res.status).toBe(200)
    const token = (await res.json()) as Json
    expect(token).toEqual({
      scope: 'useraccount',
      token_type: 'Bearer',
      expires_in: 1799,
      refresh_token: expect.any(String),
      access_token: expect.any(String),
    })
    const bearer = `Bearer ${token.access_token}`
    expect(
      (await call(s, 'GET', '/api/now/v2/table/sys_user', undefined, { authorization: bearer })).status,
    ).toBe(200)

    clock += 1800_000 // past expires_in
    const expired = await call(s, 'GET', '/api/now/v2/table/sys_user', undefined, { authorization: bearer })
    expect(expired.status).toBe(401)
    expect(((await expired.json()) as Json).error.message).toBe('User Not Authenticated')

    const refreshed = await tokenRequest(s, {
      ...CLIENT,
      grant_type: 'refresh_token',
      refresh_token: token.refresh_token,
    })
    expect(refreshed.status).toBe(200)
    const again: Json = await refreshed.json()
    expect(again.refresh_token).toBeUndefined()
    expect(
      (
        await call(s, 'GET', '/api/now/v2/table/sys_user', undefined, {
          authorization: `Bearer ${again.access_token}`,
        })
      ).status,
    ).toBe(200)

    const json = await fetch(`${s.url}/oauth_token.do`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...CLIENT,
        grant_type: 'password',
        username: 'svc_accord',
        password: 'sandbox-servicenow-password',
      }),
    })
    expect(json.status).toBe(400)
  })

  it('grants client_credentials only to a client with an OAuth application user, and refuses bad secrets', async () => {
    const s = await start({
      credentials: {
        users: [{ username: 'svc_accord', password: 'pw' }],
        oauthClients: [
          { clientId: 'cc', clientSecret: 's1', clientCredentialsUser: 'svc_accord' },
          { clientId: 'plain', clientSecret: 's2' },
        ],
      },
    })
    expect(
      (await tokenRequest(s, { grant_type: 'client_credentials', client_id: 'cc', client_secret: 's1' }))
        .status,
    ).toBe(200)
    const off = await tokenRequest(s, {
      grant_type: 'client_credentials',
      client_id: 'plain',
      client_secret: 's2',
    })
    expect(off.status).toBe(401)
    expect(await off.json()).toEqual({ error_description: 'access_denied', error: 'server_error' })
    expect(
      (await tokenRequest(s, { grant_type: 'client_credentials', client_id: 'cc', client_secret: 'nope' }))
        .status,
    ).toBe(401)
  })
})

describe('ServiceNow simulator: rate limiting and faults', () => {
  it('answers 429 with Retry-After, X-RateLimit-Limit/Reset/Rule and the documented body once the rule is spent', async () => {
    let clock = Date.parse('2026-11-29T10:00:00Z')
    const s = await start({
      rateLimits: { 'table-api': { capacity: 10, windowMs: 3_600_000 } },
      clock: () => clock,
    })
    for (let i = 0; i < 10; i++) {
      const ok = await call(s, 'GET', '/api/now/v2/table/sys_user?sysparm_limit=1')
      expect(ok.status).toBe(200)
      expect(ok.headers.get('x-ratelimit-limit')).toBe('10')
      expect(ok.headers.get('x-ratelimit-rule')).toBe(RATE_LIMIT_RULE_SYS_ID)
      expect(ok.headers.get('x-ratelimit-remaining')).toBeNull()
    }
    const limited = await call(s, 'GET', '/api/now/v2/table/sys_user?sysparm_limit=1')
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBe(360) // one token per 6 minutes
    expect(Number(limited.headers.get('x-ratelimit-reset'))).toBe(clock / 1000 + 360)
    expect(await limited.json()).toEqual({
      error: {
        message: 'Rate limit exceeded',
        detail: 'Rate limit of 10 requests per hour for Table API exceeded',
      },
      status: 'failure',
    })
    clock += 360_000
    expect((await call(s, 'GET', '/api/now/v2/table/sys_user?sysparm_limit=1')).status).toBe(200)
  })

  it('injects each fault kind with ServiceNow-shaped replies', async () => {
    const s = await start()
    const path = '/api/now/v2/table/sys_user'
    s.setFaults('5xx=1')
    const e = await call(s, 'GET', path)
    expect(e.status).toBe(503)
    expect(await e.json()).toMatchObject({ error: { message: 'Service Unavailable' }, status: 'failure' })

    s.setFaults('429=1')
    const t = await call(s, 'GET', path)
    expect(t.status).toBe(429)
    expect(t.headers.get('retry-after')).toBe('1')
    expect(t.headers.get('x-ratelimit-rule')).toBe(RATE_LIMIT_RULE_SYS_ID)
    expect(((await t.json()) as Json).error.message).toBe('Rate limit exceeded')

    s.setFaults('reset=1')
    await expect(call(s, 'GET', path)).rejects.toThrow()

    s.setFaults('truncate=1')
    const cut = await call(s, 'GET', path)
    expect(cut.status).toBe(200)
    await expect(cut.json()).rejects.toThrow()

    s.setFaults('latency=150ms@1')
    const started = performance.now()
    expect((await call(s, 'GET', path)).status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
  })
})

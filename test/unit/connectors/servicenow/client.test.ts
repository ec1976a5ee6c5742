import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { createHttpClient } from '../../../../src/connectors/http/client.ts'
import { servicenowRateSignals } from '../../../../src/connectors/http/rate-signals.ts'
import { getTablePage, keysetScan } from '../../../../src/connectors/servicenow/client.ts'
import { useHttpMock } from '../../../helpers/http-mock.ts'

const BASE = 'https://acme.service-now.com'
const sys = (c: string) => c.repeat(32)
const http = () =>
  createHttpClient({ name: 'snow', baseUrl: BASE, rateSignals: servicenowRateSignals, random: () => 0 })
const req = { signal: new AbortController().signal }

describe('servicenow/client', () => {
  useHttpMock()

  it('pages by key, takes ACL-short and empty pages in its stride, and stops only when no next link', async () => {
    const scope = nock(BASE)
    const path = '/api/now/v2/table/sc_req_item'
    const link = (offset: number) =>
      `<${BASE}${path}?sysparm_query=x&sysparm_offset=${offset}&sysparm_limit=3>;rel="next",<${BASE}${path}?sysparm_offset=0>;rel="first"`
    // Page 1: three rows asked, ACLs leave one; more exist (next link).
    scope
      .get(path)
      .query((q) => q.sysparm_query === 'sys_idISNOTEMPTY^ORDERBYsys_id' && q.sysparm_limit === '3')
      .reply(
        200,
        { result: [{ sys_id: sys('a'), number: 'RITM1' }] },
        { Link: link(3), 'X-Total-Count': '9' },
      )
    // Page 2: a whole window hidden by ACLs: empty, yet a next link.
    scope
      .get(path)
      .query((q) => q.sysparm_query === `sys_id>${sys('a')}^ORDERBYsys_id`)
      .reply(200, { result: [] }, { Link: link(3) })
    // The empty window is skipped by following its next link verbatim.
    scope
      .get(path)
      .query({ sysparm_query: 'x', sysparm_offset: '3', sysparm_limit: '3' })
      .reply(200, { result: [{ sys_id: sys('b') }, { sys_id: sys('c') }] }, { Link: link(6) })
    // A short last page: the absence of a next link ends the scan, not its size.
    scope
      .get(path)
      .query((q) => q.sysparm_query === `sys_id>${sys('c')}^ORDERBYsys_id`)
      .reply(200, { result: [{ sys_id: sys('d') }] })
    const seen: string[] = []
    for await (const page of keysetScan<string>(http(), {
      table: 'sc_req_item',
      fields: ['sys_id', 'number'],
      limit: 3,
      query: (after) => (after ? `sys_id>${after}^ORDERBYsys_id` : 'sys_idISNOTEMPTY^ORDERBYsys_id'),
      keyOf: (r) => r.sys_id,
      start: null,
      req,
    })) {
      seen.push(...page.rows.map((r) => r.sys_id[0]!))
    }
    expect(seen).toEqual(['a', 'b', 'c', 'd'])
  })

  it('refuses a next link to another origin', async () => {
    nock(BASE)
      .get('/api/now/v2/table/sys_user')
      .query(true)
      .reply(
        200,
        { result: [] },
        { Link: '<https://evil.example.com/api/now/v2/table/sys_user?o=1>;rel="next"' },
      )
    await expect(getTablePage(http(), { table: 'sys_user', params: {} }, req)).rejects.toThrow(
      /refusing to follow a next link to https:\/\/evil.example.com/,
    )
  })

  it('waits out a 429 with Retry-After and carries on', async () => {
    const scope = nock(BASE)
    scope
      .get('/api/now/v2/table/sys_user')
      .query(true)
      .reply(
        429,
        {
          error: {
            message: 'Rate limit exceeded',
            detail: 'Rate limit of 10 requests per hour for Table API exceeded',
          },
          status: 'failure',
        },
        { 'Retry-After': '1', 'X-RateLimit-Limit': '10', 'X-RateLimit-Rule': sys('e') },
      )
    scope
      .get('/api/now/v2/table/sys_user')
      .query(true)
      .reply(200, { result: [{ sys_id: sys('1'), email: 'a@x' }] })
    const client = http()
    const started = Date.now()
    const page = await getTablePage(client, { table: 'sys_user', params: {} }, req)
    expect(page.rows).toHaveLength(1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    expect(client.stats.throttled).toBe(1)
    expect(client.stats.retries).toBe(1)
  })

  it('reports ServiceNow error bodies in words', async () => {
    nock(BASE)
      .get('/api/now/v2/table/sc_req_item')
      .query(true)
      .reply(403, {
        error: { message: 'User Not Authorized', detail: 'Required to provide Auth information' },
        status: 'failure',
      })
    await expect(getTablePage(http(), { table: 'sc_req_item', params: {} }, req)).rejects.toThrow(
      /returned 403: User Not Authorized: Required to provide Auth information/,
    )
  })

  it('keeps a page whose rows are partly malformed, reporting the bad ones', async () => {
    nock(BASE)
      .get('/api/now/v2/table/sc_req_item')
      .query(true)
      .reply(200, { result: [{ sys_id: sys('a') }, { sys_id: 'not-a-sys-id' }, { number: 'RITM9' }] })
    const page = await getTablePage(http(), { table: 'sc_req_item', params: {} }, req)
    expect(page.rows.map((r) => r.sys_id)).toEqual([sys('a')])
    expect(page.invalid.map((i) => i.id)).toEqual(['not-a-sys-id', '#2'])
  })
})

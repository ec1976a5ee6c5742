import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  createHttpClient,
  linkPages,
  odataPages,
  offsetPages,
  PayloadError,
  parseRecords,
  tokenPages,
  UrlPolicyError,
} from '../../../../src/connectors/http/index.ts'
import { useHttpMock } from '../../../helpers/http-mock.ts'

const BASE = 'https://api.example.test'
const http = () => createHttpClient({ name: 'test', baseUrl: `${BASE}/v1`, retry: { baseDelayMs: 5 } })

async function collect<T>(gen: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = []
  for await (const p of gen) out.push(p)
  return out
}

describe('src/connectors/http/paging', () => {
  useHttpMock()

  describe('odataPages', () => {
    it('follows @odata.nextLink verbatim, including an empty page, until the deltaLink', async () => {
      nock(BASE)
        .get('/v1/users/delta')
        .query({ $select: 'id' })
        .reply(200, { value: [{ id: 'a' }], '@odata.nextLink': `${BASE}/v1/users/delta?$skiptoken=p2` })
        .get('/v1/users/delta')
        .query({ $skiptoken: 'p2' })
        .reply(200, { value: [], '@odata.nextLink': `${BASE}/v1/users/delta?$skiptoken=p3` })
        .get('/v1/users/delta')
        .query({ $skiptoken: 'p3' })
        .reply(200, { value: [{ id: 'b' }], '@odata.deltaLink': `${BASE}/v1/users/delta?$deltatoken=d1` })
      const pages = await collect(odataPages(http(), '/users/delta', { params: { $select: 'id' } }))
      expect(pages.map((p) => p.items)).toEqual([[{ id: 'a' }], [], [{ id: 'b' }]])
      expect(pages[0]!.nextLink).toBe(`${BASE}/v1/users/delta?$skiptoken=p2`)
      expect(pages[2]!.nextLink).toBeUndefined()
      expect(pages[2]!.deltaLink).toBe(`${BASE}/v1/users/delta?$deltatoken=d1`)
    })

    it('resumes from a checkpointed nextLink', async () => {
      nock(BASE)
        .get('/v1/users')
        .query({ $skiptoken: 'p9' })
        .reply(200, { value: [{ id: 'z' }] })
      const pages = await collect(odataPages(http(), `${BASE}/v1/users?$skiptoken=p9`))
      expect(pages.map((p) => p.items)).toEqual([[{ id: 'z' }]])
    })

    it('refuses a next link to a foreign origin and never calls it', async () => {
      nock(BASE)
        .get('/v1/users')
        .reply(200, {
          value: [{ id: 'a' }],
          '@odata.nextLink': 'https://attacker.example.net/v1/users?$skiptoken=x',
        })
      const seen: unknown[] = []
      const err = await (async () => {
        for await (const p of odataPages(http(), '/users')) seen.push(p)
      })().catch((e) => e)
      expect(err).toBeInstanceOf(UrlPolicyError)
      expect(err.message).toContain('attacker.example.net')
      expect(seen).toEqual([])
    })

    it('refuses a downgrade to http on the same host name', async () => {
      nock(BASE)
        .get('/v1/users')
        .reply(200, { value: [], '@odata.nextLink': 'http://api.example.test/v1/users?p=2' })
      await expect(collect(odataPages(http(), '/users'))).rejects.toBeInstanceOf(UrlPolicyError)
    })

    it('reports a malformed page', async () => {
      nock(BASE).get('/v1/users').reply(200, { values: [] })
      await expect(collect(odataPages(http(), '/users'))).rejects.toBeInstanceOf(PayloadError)
    })
  })

  describe('linkPages', () => {
    it('follows rel="next" from a comma-joined Link header and stops without one', async () => {
      nock(BASE)
        .get('/v1/users')
        .query({ limit: '2' })
        .reply(200, [{ id: '1' }, { id: '2' }], {
          Link: `<${BASE}/v1/users?limit=2>; rel="self", <${BASE}/v1/users?after=2&limit=2>; rel="next"`,
        })
        .get('/v1/users')
        .query({ after: '2', limit: '2' })
        .reply(200, [{ id: '3' }], { Link: `<${BASE}/v1/users?after=2&limit=2>; rel="self"` })
      const pages = await collect(linkPages(http(), '/users', { params: { limit: 2 } }))
      expect(pages.flatMap((p) => p.items)).toEqual([{ id: '1' }, { id: '2' }, { id: '3' }])
      expect(pages[1]!.next).toBeUndefined()
    })

    it('reads rel="next" from several Link headers', async () => {
      nock(BASE)
        .get('/v1/groups')
        .reply(
          200,
          [{ id: 'g1' }],
          ['Link', `<${BASE}/v1/groups>; rel="self"`, 'Link', `<${BASE}/v1/groups?after=g1>; rel="next"`],
        )
        .get('/v1/groups')
        .query({ after: 'g1' })
        .reply(200, [])
      const pages = await collect(linkPages(http(), '/groups'))
      expect(pages.map((p) => p.items.length)).toEqual([1, 0])
    })

    it('refuses a foreign rel="next"', async () => {
      nock(BASE)
        .get('/v1/users')
        .reply(200, [], { Link: '<https://other.example.net/v1/users?after=1>; rel="next"' })
      await expect(collect(linkPages(http(), '/users'))).rejects.toBeInstanceOf(UrlPolicyError)
    })

    it('expects a bare array', async () => {
      nock(BASE).get('/v1/users').reply(200, { users: [] })
      await expect(collect(linkPages(http(), '/users'))).rejects.toThrow(/JSON array/)
    })

    it('can stop on an empty page for endpoints that always send next (System Log polling)', async () => {
      nock(BASE)
        .get('/v1/logs')
        .reply(200, [], { Link: `<${BASE}/v1/logs?after=x>; rel="next"` })
      const pages = await collect(linkPages(http(), '/logs', { stopOnEmptyPage: true }))
      expect(pages).toHaveLength(1)
    })
  })

  describe('tokenPages', () => {
    it('pages Jira search with nextPageToken in the query until isLast', async () => {
      nock(BASE)
        .get('/v1/search/jql')
        .query({ jql: 'project = ACCESS' })
        .reply(200, { issues: [{ id: '1' }], nextPageToken: 'tok2', isLast: false })
        .get('/v1/search/jql')
        .query({ jql: 'project = ACCESS', nextPageToken: 'tok2' })
        .reply(200, { issues: [{ id: '2' }], isLast: true })
      const pages = await collect(tokenPages(http(), '/search/jql', { params: { jql: 'project = ACCESS' } }))
      expect(pages.flatMap((p) => p.items)).toEqual([{ id: '1' }, { id: '2' }])
      expect(pages.map((p) => p.nextToken)).toEqual(['tok2', undefined])
    })

    it('pages with the token in a POST body and resumes from a start token', async () => {
      nock(BASE)
        .post('/v1/search/jql', { jql: 'x', nextPageToken: 'tok5' })
        .reply(200, { issues: [{ id: '5' }], nextPageToken: null })
      const pages = await collect(
        tokenPages(http(), '/search/jql', { method: 'POST', body: { jql: 'x' }, startToken: 'tok5' }),
      )
      expect(pages.flatMap((p) => p.items)).toEqual([{ id: '5' }])
    })
  })

  describe('offsetPages', () => {
    it('does not stop at a short (ACL-filtered) page while X-Total-Count says there is more', async () => {
      nock(BASE)
        .get('/v1/table/x')
        .query({ sysparm_limit: '2', sysparm_offset: '0' })
        .reply(200, { result: [{ sys_id: 'a' }] }, { 'X-Total-Count': '4' })
        .get('/v1/table/x')
        .query({ sysparm_limit: '2', sysparm_offset: '2' })
        .reply(200, { result: [{ sys_id: 'c' }, { sys_id: 'd' }] }, { 'X-Total-Count': '4' })
      const pages = await collect(offsetPages(http(), '/table/x', { limit: 2 }))
      expect(pages.flatMap((p) => p.items)).toHaveLength(3)
      expect(pages.map((p) => p.nextOffset)).toEqual([2, undefined])
    })

    it('stops when the Link header has no rel="next"', async () => {
      nock(BASE)
        .get('/v1/table/x')
        .query(true)
        .reply(
          200,
          { result: [{ sys_id: 'a' }, { sys_id: 'b' }] },
          { Link: `<${BASE}/v1/table/x?sysparm_offset=0>;rel="first"` },
        )
      const pages = await collect(offsetPages(http(), '/table/x', { limit: 2 }))
      expect(pages).toHaveLength(1)
    })

    it('pages JSM start/limit with isLastPage', async () => {
      nock(BASE)
        .get('/v1/request/1/approval')
        .query({ start: '0', limit: '1' })
        .reply(200, { values: [{ id: 'a1' }], isLastPage: false })
        .get('/v1/request/1/approval')
        .query({ start: '1', limit: '1' })
        .reply(200, { values: [{ id: 'a2' }], isLastPage: true })
      const pages = await collect(
        offsetPages(http(), '/request/1/approval', {
          limit: 1,
          offsetParam: 'start',
          limitParam: 'limit',
          itemsKey: 'values',
          isLastKey: 'isLastPage',
        }),
      )
      expect(pages.flatMap((p) => p.items)).toEqual([{ id: 'a1' }, { id: 'a2' }])
    })
  })

  describe('parseRecords', () => {
    it('keeps valid records and reports each invalid one with its id and the failing field', () => {
      const Raw = z.object({ id: z.string(), mail: z.string().nullable() })
      const { records, invalid } = parseRecords(
        [{ id: 'a', mail: null }, { id: 'b', mail: 42 }, { nope: 1 }],
        Raw,
      )
      expect(records).toEqual([{ id: 'a', mail: null }])
      expect(invalid).toHaveLength(2)
      expect(invalid[0]).toMatchObject({ id: 'b' })
      expect(invalid[0]!.reason).toContain('mail')
      expect(invalid[1]!.id).toBe('#2')
    })
  })
})

import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { createGraphClient } from '../../../../src/connectors/entra/client.ts'
import type { EntraRun } from '../../../../src/connectors/entra/streams/common.ts'
import { syncGroups } from '../../../../src/connectors/entra/streams/groups.ts'
import { syncUsers } from '../../../../src/connectors/entra/streams/users.ts'
import { HttpError } from '../../../../src/connectors/http/errors.ts'
import { UrlPolicyError } from '../../../../src/connectors/http/urls.ts'
import { silentLogger } from '../../../../src/core/logger.ts'
import { useHttpMock } from '../../../helpers/http-mock.ts'
import { entraConfig, GRAPH, mockToken, recordingContext, SECRET, TOKEN } from './recording.ts'

const U = (n: number) => `00000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`
const G = (n: number) => `99999999-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`
const user = (n: number, extra: Record<string, unknown> = {}) => ({
  id: U(n),
  displayName: `User ${n}`,
  userPrincipalName: `user${n}@contoso.com`,
  mail: `user${n}@contoso.com`,
  accountEnabled: true,
  userType: 'Member',
  createdDateTime: '2025-01-01T00:00:00Z',
  ...extra,
})
const SELECT = 'id,displayName,userPrincipalName,mail,accountEnabled,userType,createdDateTime,employeeId'

// Commit every page unless a test says otherwise, so checkpoints are visible per page.
function run(
  writers: Parameters<typeof recordingContext>[1] = {},
  config = entraConfig({ deltaCommitRecords: 1 }),
) {
  const { ctx, opened } = recordingContext(config, writers)
  const graph = createGraphClient(ctx.config, silentLogger())
  const r: EntraRun = { ctx, graph, logger: ctx.logger, signal: ctx.signal }
  return { r, opened, graph }
}

describe('src/connectors/entra/streams (nock, documented Graph shapes)', () => {
  useHttpMock()

  it('users: follows @odata.nextLink, checkpoints each page, stores the deltaLink; disabled and guest mapped', async () => {
    mockToken()
    nock(GRAPH)
      .get('/v1.0/users/delta')
      .query({ $select: SELECT })
      .matchHeader('authorization', `Bearer ${TOKEN}`)
      .reply(200, {
        '@odata.context': `${GRAPH}/v1.0/$metadata#users`,
        '@odata.nextLink': `${GRAPH}/v1.0/users/delta?$skiptoken=s1`,
        value: [user(1), user(2, { accountEnabled: false })],
      })
      .get('/v1.0/users/delta')
      .query({ $skiptoken: 's1' })
      .reply(200, {
        '@odata.deltaLink': `${GRAPH}/v1.0/users/delta?$deltatoken=d1`,
        value: [user(3, { userType: 'Guest', mail: null })],
      })
    const { r, opened } = run()
    await syncUsers(r)
    const w = opened.get('users')!
    expect(w.batches.map((b) => b.checkpoint)).toEqual([
      { link: `${GRAPH}/v1.0/users/delta?$skiptoken=s1` },
      { link: `${GRAPH}/v1.0/users/delta?$deltatoken=d1` },
    ])
    expect(w.completed).toEqual({ checkpoint: { link: `${GRAPH}/v1.0/users/delta?$deltatoken=d1` } })
    const ids = w.all('identities')
    expect(ids.map((i) => [i.externalId, i.kind, i.status, i.email])).toEqual([
      [U(1), 'human', 'active', 'user1@contoso.com'],
      [U(2), 'human', 'disabled', 'user2@contoso.com'],
      [U(3), 'guest', 'active', null],
    ])
    expect(ids[0]!.createdAt).toEqual(new Date('2025-01-01T00:00:00Z'))
    expect(w.stats.requests).toBe(2)
  })

  it('by default, upsert-only delta pages are committed together, with the last page’s link', async () => {
    mockToken()
    nock(GRAPH)
      .get('/v1.0/users/delta')
      .query(true)
      .reply(200, { '@odata.nextLink': `${GRAPH}/v1.0/users/delta?$skiptoken=s1`, value: [user(1)] })
      .get('/v1.0/users/delta')
      .query({ $skiptoken: 's1' })
      .reply(200, { '@odata.nextLink': `${GRAPH}/v1.0/users/delta?$skiptoken=s2`, value: [user(2)] })
      .get('/v1.0/users/delta')
      .query({ $skiptoken: 's2' })
      .reply(200, {
        '@odata.deltaLink': `${GRAPH}/v1.0/users/delta?$deltatoken=d`,
        value: [user(3), { id: U(4), '@removed': { reason: 'deleted' } }],
      })
    const { r, opened } = run({}, entraConfig())
    await syncUsers(r)
    const w = opened.get('users')!
    // Pages 1 and 2 in one commit; page 3 carries a removal, so it is committed on its own, after them.
    expect(w.batches.map((b) => [b.identities?.length, b.removed ?? null, b.checkpoint])).toEqual([
      [2, null, { link: `${GRAPH}/v1.0/users/delta?$skiptoken=s2` }],
      [1, { identities: [U(4)] }, { link: `${GRAPH}/v1.0/users/delta?$deltatoken=d` }],
    ])
  })

  it('users incremental: calls the stored deltaLink and turns @removed into a removal', async () => {
    mockToken()
    nock(GRAPH)
      .get('/v1.0/users/delta')
      .query({ $deltatoken: 'd1' })
      .reply(200, {
        '@odata.deltaLink': `${GRAPH}/v1.0/users/delta?$deltatoken=d2`,
        value: [user(4), { id: U(1), '@removed': { reason: 'deleted' } }],
      })
    const { r, opened } = run({
      users: { mode: 'incremental', resumeFrom: { link: `${GRAPH}/v1.0/users/delta?$deltatoken=d1` } },
    })
    await syncUsers(r)
    const w = opened.get('users')!
    expect(w.mode).toBe('incremental')
    expect(w.batches[0]!.removed).toEqual({ identities: [U(1)] })
    expect(w.all('identities').map((i) => i.externalId)).toEqual([U(4)])
  })

  it('410 on the stored deltaLink falls back to a full round and says why', async () => {
    mockToken()
    nock(GRAPH)
      .get('/v1.0/users/delta')
      .query({ $deltatoken: 'old' })
      .reply(
        410,
        { error: { code: 'resyncRequired', message: 'Resync required.' } },
        { Location: `${GRAPH}/v1.0/users/delta?$deltatoken=` },
      )
      .get('/v1.0/users/delta')
      .query({ $select: SELECT })
      .reply(200, { '@odata.deltaLink': `${GRAPH}/v1.0/users/delta?$deltatoken=new`, value: [user(1)] })
    const { r, opened } = run({
      users: { mode: 'incremental', resumeFrom: { link: `${GRAPH}/v1.0/users/delta?$deltatoken=old` } },
    })
    await syncUsers(r)
    const w = opened.get('users')!
    expect(w.restarts).toHaveLength(1)
    expect(w.restarts[0]).toMatch(/410/)
    expect(w.mode).toBe('full')
    expect(w.completed).toEqual({ checkpoint: { link: `${GRAPH}/v1.0/users/delta?$deltatoken=new` } })
  })

  it('an expired token (syncStateNotFound) also falls back to full', async () => {
    mockToken()
    nock(GRAPH)
      .get('/v1.0/users/delta')
      .query({ $deltatoken: 'old' })
      .reply(400, { error: { code: 'syncStateNotFound', message: 'expired' } })
      .get('/v1.0/users/delta')
      .query({ $select: SELECT })
      .reply(200, { '@odata.deltaLink': `${GRAPH}/v1.0/users/delta?$deltatoken=new`, value: [] })
    const { r, opened } = run({
      users: { mode: 'incremental', resumeFrom: { link: `${GRAPH}/v1.0/users/delta?$deltatoken=old` } },
    })
    await syncUsers(r)
    expect(opened.get('users')!.restarts[0]).toMatch(/syncStateNotFound/)
  })

  it('groups: a group split across pages is merged, nested groups are group principals, member @removed removes', async () => {
    mockToken()
    nock(GRAPH)
      .get('/v1.0/groups/delta')
      .query(true)
      .reply(200, {
        '@odata.nextLink': `${GRAPH}/v1.0/groups/delta?$skiptoken=p2`,
        value: [
          {
            id: G(1),
            displayName: 'Finance',
            securityEnabled: true,
            mailEnabled: false,
            groupTypes: [],
            'members@delta': [
              { '@odata.type': '#microsoft.graph.user', id: U(1) },
              { '@odata.type': '#microsoft.graph.user', id: U(2) },
            ],
          },
        ],
      })
      .get('/v1.0/groups/delta')
      .query({ $skiptoken: 'p2' })
      .reply(200, {
        '@odata.deltaLink': `${GRAPH}/v1.0/groups/delta?$deltatoken=g1`,
        value: [
          // The same group again with the rest of its members.
          {
            id: G(1),
            displayName: 'Finance',
            'members@delta': [
              { '@odata.type': '#microsoft.graph.user', id: U(3) },
              { '@odata.type': '#microsoft.graph.group', id: G(2) },
              { '@odata.type': '#microsoft.graph.orgContact', id: 'contact-1' },
            ],
          },
          {
            id: G(2),
            displayName: 'Finance-EU',
            'members@delta': [
              { '@odata.type': '#microsoft.graph.user', id: U(9), '@removed': { reason: 'deleted' } },
            ],
          },
          { id: G(3), '@removed': { reason: 'changed' } },
        ],
      })
    const { r, opened } = run()
    await syncGroups(r)
    const w = opened.get('groups')!
    const finance = w.all('grants').filter((g) => g.entitlementId === G(1))
    expect(finance.map((g) => [g.principalType, g.principalId])).toEqual([
      ['identity', U(1)],
      ['identity', U(2)],
      ['identity', U(3)],
      ['group', G(2)],
    ])
    expect(w.batches[1]!.removed).toEqual({
      entitlements: [G(3)],
      grants: [{ principalType: 'identity', principalId: U(9), entitlementId: G(2) }],
    })
    expect(w.batches[1]!.completeGrantScopes).toEqual([
      { entitlementId: G(3) },
      { principalType: 'group', principalId: G(3) },
    ])
    expect(w.all('entitlements').map((e) => e.name)).toEqual(['Finance', 'Finance', 'Finance-EU'])
  })

  it('throttling: waits Retry-After on 429, backs off without it, and counts both', async () => {
    mockToken()
    nock(GRAPH)
      .get('/v1.0/users/delta')
      .query(true)
      .reply(
        429,
        { error: { code: 'TooManyRequests', message: 'Please retry again later.' } },
        { 'Retry-After': '1' },
      )
      .get('/v1.0/users/delta')
      .query(true)
      .reply(503, { error: { code: 'serviceNotAvailable', message: 'busy' } })
      .get('/v1.0/users/delta')
      .query(true)
      .reply(200, { '@odata.deltaLink': `${GRAPH}/v1.0/users/delta?$deltatoken=x`, value: [user(1)] })
    const { r, opened } = run()
    const t0 = Date.now()
    await syncUsers(r)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950)
    const w = opened.get('users')!
    expect(w.stats.throttled).toBe(1)
    expect(w.stats.retries).toBe(2)
    expect(w.stats.rateLimitWaitMs).toBeGreaterThanOrEqual(900)
    expect(w.all('identities')).toHaveLength(1)
  })

  it('a malformed page fails the stream before anything of it is written', async () => {
    mockToken()
    nock(GRAPH)
      .get('/v1.0/users/delta')
      .query(true)
      .reply(200, { '@odata.nextLink': `${GRAPH}/v1.0/users/delta?$skiptoken=2`, value: [user(1)] })
      .get('/v1.0/users/delta')
      .query({ $skiptoken: '2' })
      .reply(200, { value: { not: 'an array' } })
    const { r, opened } = run()
    await expect(syncUsers(r)).rejects.toThrow(/malformed page/)
    const w = opened.get('users')!
    expect(w.batches).toHaveLength(1)
    expect(w.completed).toBeUndefined()
  })

  it('a record that fails validation is reported with its id, the rest are kept', async () => {
    mockToken()
    nock(GRAPH)
      .get('/v1.0/users/delta')
      .query(true)
      .reply(200, {
        '@odata.deltaLink': `${GRAPH}/v1.0/users/delta?$deltatoken=x`,
        value: [user(1), user(2, { accountEnabled: 'yes', createdDateTime: 'last tuesday' })],
      })
    const { r, opened } = run()
    await syncUsers(r)
    const w = opened.get('users')!
    expect(w.all('identities').map((i) => i.externalId)).toEqual([U(1)])
    expect(w.all('invalid')).toEqual([
      { id: U(2), reason: expect.stringMatching(/accountEnabled|createdDateTime/) },
    ])
  })

  it('a next link to another origin is refused and never called', async () => {
    mockToken()
    nock(GRAPH)
      .get('/v1.0/users/delta')
      .query(true)
      .reply(200, {
        '@odata.nextLink': 'https://graph.evil.test/v1.0/users/delta?$skiptoken=x',
        value: [user(1)],
      })
    const { r, opened } = run()
    await expect(syncUsers(r)).rejects.toBeInstanceOf(UrlPolicyError)
    expect(opened.get('users')!.batches).toHaveLength(0)
  })

  it('the client secret and the token are absent from errors', async () => {
    mockToken()
    nock(GRAPH)
      .get('/v1.0/users/delta')
      .query(true)
      .reply(403, {
        error: { code: 'Authorization_RequestDenied', message: `Insufficient privileges for token ${TOKEN}` },
      })
    const { r } = run()
    const err = await syncUsers(r).catch((e) => e)
    expect(err).toBeInstanceOf(HttpError)
    const text = [err.message, err.stack, JSON.stringify(err), JSON.stringify(err.body)].join('\n')
    expect(text).toContain('Authorization_RequestDenied')
    expect(text).not.toContain(TOKEN)
    expect(text).not.toContain(SECRET)
  })

  it('a refused sign-in names the client, not the secret', async () => {
    nock('https://login.test')
      .get(/openid-configuration/)
      .reply(200, {
        token_endpoint: 'https://login.test/t/oauth2/v2.0/token',
        issuer: 'https://login.test/t/v2.0',
        authorization_endpoint: 'https://login.test/t/oauth2/v2.0/authorize',
        end_session_endpoint: 'https://login.test/t/oauth2/v2.0/logout',
        jwks_uri: 'https://login.test/t/keys',
      })
      .post(/token/)
      .reply(401, {
        error: 'invalid_client',
        error_description: `AADSTS7000215: Invalid client secret provided: ${SECRET}`,
        error_codes: [7000215],
      })
    const { graph } = run()
    const err = await graph.auth.getAuthHeader().catch((e) => e)
    expect(err.message).toContain('client c1')
    expect(err.message).toContain('invalid_client')
    expect(err.message).not.toContain(SECRET)
  })
})

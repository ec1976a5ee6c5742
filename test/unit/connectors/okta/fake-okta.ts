/**
 * A small Okta org behind nock, in Okta's documented shapes (vendor-apis.md section 4): bare arrays, `Link`
 * cursors, `X-Rate-Limit-*` headers, the `/iam/assignees/users` envelope, System Log polling with a next link
 * on every page. Tests change the org between runs and count the requests each endpoint got.
 */
import nock from 'nock'

export const ORG = 'https://acme.okta.example'

export interface FakeUser {
  id: string
  status: string
  login: string
  email: string
  lastUpdated: string
}
export interface FakeGroup {
  id: string
  name: string
  lastUpdated: string
  lastMembershipUpdated: string
  members: string[]
}
export interface FakeApp {
  id: string
  label: string
  service?: boolean
  users: { id: string; scope: 'USER' | 'GROUP'; created: string }[]
  groups: string[]
}
export interface FakeRole {
  userId: string
  type: string
  label: string
  assignmentType?: 'USER' | 'GROUP'
  groupId?: string
}
export interface FakeToken {
  id: string
  name: string
  userId: string
  created: string
  expiresAt: string | null
}
export interface FakeEvent {
  uuid: string
  eventType: string
  published: string
  target: { id: string; type: string }[]
}

export interface FakeOrg {
  users: FakeUser[]
  groups: FakeGroup[]
  apps: FakeApp[]
  roles: FakeRole[]
  tokens: FakeToken[]
  logs: FakeEvent[]
  /** Requests per path template. */
  hits: Record<string, number>
  /** Every request path with its query, in order. */
  requests: string[]
  /** Link header style: separate header lines or one comma-joined value. */
  linkStyle: 'lines' | 'joined'
  /** Fails the next request to a path template with this status (then clears). */
  failNext?: { template: string; status: number }
}

export const T0 = '2026-11-01T00:00:00.000Z'

export function smallOrg(): FakeOrg {
  const users: FakeUser[] = [
    ['00u1', 'ACTIVE', 'ann@acme.example'],
    ['00u2', 'DEPROVISIONED', 'bob@acme.example'],
    ['00u3', 'SUSPENDED', 'cat@acme.example'],
    ['00u4', 'LOCKED_OUT', 'dan@acme.example'],
    ['00u5', 'STAGED', 'eve@acme.example'],
  ].map(([id, status, login]) => ({
    id: id!,
    status: status!,
    login: login!,
    email: login!,
    lastUpdated: T0,
  }))
  return {
    users,
    groups: [
      {
        id: '00g1',
        name: 'Engineering',
        lastUpdated: T0,
        lastMembershipUpdated: T0,
        members: ['00u1', '00u2', '00u3'],
      },
      { id: '00g2', name: 'Finance', lastUpdated: T0, lastMembershipUpdated: T0, members: ['00u4'] },
      { id: '00g3', name: 'Empty', lastUpdated: T0, lastMembershipUpdated: T0, members: [] },
    ],
    apps: [
      {
        id: '0oa1',
        label: 'Salesforce',
        users: [
          { id: '00u1', scope: 'USER', created: '2026-10-01T10:00:00.000Z' },
          { id: '00u4', scope: 'GROUP', created: '2026-10-02T10:00:00.000Z' },
        ],
        groups: ['00g2'],
      },
      { id: '0oa2', label: 'accord reader', service: true, users: [], groups: [] },
    ],
    roles: [
      { userId: '00u1', type: 'SUPER_ADMIN', label: 'Super Administrator' },
      {
        userId: '00u4',
        type: 'READ_ONLY_ADMIN',
        label: 'Read-only Administrator',
        assignmentType: 'GROUP',
        groupId: '00g2',
      },
    ],
    tokens: [
      {
        id: '00T1',
        name: 'ci token',
        userId: '00u1',
        created: '2026-01-01T00:00:00.000Z',
        expiresAt: '2027-01-01T00:00:00.000Z',
      },
    ],
    logs: [],
    hits: {},
    requests: [],
    linkStyle: 'lines',
  }
}

function template(path: string): string {
  return path.replace(/^(\/api\/v1\/(?:users|groups|apps))\/[^/]+/, '$1/{id}').replace(/\?.*$/, '')
}

const RATE = (now: number) => ({
  'x-rate-limit-limit': '600',
  'x-rate-limit-remaining': '599',
  'x-rate-limit-reset': String(Math.floor(now / 1000) + 60),
  date: new Date(now).toUTCString(),
})

function userJson(u: FakeUser) {
  return {
    id: u.id,
    status: u.status,
    created: T0,
    activated: null,
    statusChanged: null,
    lastLogin: null,
    lastUpdated: u.lastUpdated,
    passwordChanged: null,
    type: { id: 'oty1' },
    profile: { firstName: u.login.split('@')[0], lastName: 'Example', login: u.login, email: u.email },
    credentials: { provider: { type: 'OKTA', name: 'OKTA' } },
    _links: { self: { href: `${ORG}/api/v1/users/${u.id}` } },
  }
}

/** `lastUpdated gt "X"` (and `or lastMembershipUpdated gt "X"`) as Okta's filter grammar has it. */
function gtBound(expr: string | null, field: string): number | undefined {
  if (!expr) return undefined
  const m = new RegExp(`${field} gt "([^"]+)"`).exec(expr)
  return m ? Date.parse(m[1]!) : undefined
}

/** Installs the org on nock. Call once per test (useHttpMock cleans up). */
export function serveOrg(org: FakeOrg): void {
  nock(ORG)
    .persist()
    .get(/.*/)
    .reply((arg: unknown) => {
      // nock hands over the path, or (newer versions) the fetch Request.
      const url = new URL(typeof arg === 'string' ? arg : (arg as Request).url, ORG)
      const uri = url.pathname + url.search
      const t = template(url.pathname)
      org.hits[t] = (org.hits[t] ?? 0) + 1
      org.requests.push(uri)
      const now = Date.now()
      if (org.failNext && org.failNext.template === t) {
        const status = org.failNext.status
        org.failNext = undefined
        return [
          status,
          { errorCode: 'E0000009', errorSummary: 'Internal Server Error', errorCauses: [] },
          RATE(now),
        ]
      }
      const q = url.searchParams
      const limit = Number(q.get('limit') ?? '200')
      const after = Number(q.get('after') ?? '0')
      const page = <T>(all: T[], extra: Record<string, string> = {}) => {
        const items = all.slice(after, after + limit)
        const headers: Record<string, string | string[]> = {
          ...RATE(now),
          ...extra,
          'content-type': 'application/json',
        }
        const self = `<${ORG}${url.pathname}${url.search}>; rel="self"`
        if (after + limit < all.length) {
          const n = new URL(url)
          n.searchParams.set('after', String(after + limit))
          const next = `<${n.toString()}>; rel="next"`
          headers.link = org.linkStyle === 'lines' ? [self, next] : `${self}, ${next}`
        } else {
          headers.link = self
        }
        return [200, items, headers] as const
      }
      const segs = url.pathname.split('/')
      const id = segs[4]!
      if (t === '/api/v1/users') {
        const since = gtBound(q.get('filter'), 'lastUpdated')
        let users = org.users
        if (since !== undefined) users = users.filter((u) => Date.parse(u.lastUpdated) > since)
        else if (!q.get('search')) users = users.filter((u) => u.status !== 'DEPROVISIONED')
        return page(users.map(userJson))
      }
      if (t === '/api/v1/groups') {
        const f = q.get('filter')
        const a = gtBound(f, 'lastUpdated')
        const b = gtBound(f, 'lastMembershipUpdated')
        const groups = org.groups.filter(
          (g) =>
            (a === undefined && b === undefined) ||
            (a !== undefined && Date.parse(g.lastUpdated) > a) ||
            (b !== undefined && Date.parse(g.lastMembershipUpdated) > b),
        )
        return page(
          groups.map((g) => ({
            id: g.id,
            created: T0,
            lastUpdated: g.lastUpdated,
            lastMembershipUpdated: g.lastMembershipUpdated,
            objectClass: ['okta:user_group'],
            type: 'OKTA_GROUP',
            profile: { name: g.name, description: null },
          })),
        )
      }
      if (t === '/api/v1/groups/{id}/users') {
        const g = org.groups.find((x) => x.id === id)
        if (!g) return [404, { errorCode: 'E0000007', errorSummary: 'Not found' }, RATE(now)]
        return page(g.members.map((m) => userJson(org.users.find((u) => u.id === m)!)))
      }
      if (t === '/api/v1/apps') {
        return page(
          org.apps.map((a) => ({
            id: a.id,
            name: a.service ? 'oidc_client' : 'salesforce',
            label: a.label,
            status: 'ACTIVE',
            created: T0,
            lastUpdated: T0,
            signOnMode: a.service ? 'OPENID_CONNECT' : 'SAML_2_0',
            ...(a.service
              ? {
                  credentials: { oauthClient: { client_id: a.id } },
                  settings: { oauthClient: { application_type: 'service' } },
                }
              : {}),
          })),
        )
      }
      if (t === '/api/v1/apps/{id}/users') {
        const a = org.apps.find((x) => x.id === id)!
        return page(
          a.users.map((u) => ({
            id: u.id,
            scope: u.scope,
            status: 'PROVISIONED',
            created: u.created,
            lastUpdated: u.created,
            credentials: { userName: u.id },
          })),
        )
      }
      if (t === '/api/v1/apps/{id}/groups') {
        const a = org.apps.find((x) => x.id === id)!
        return page(a.groups.map((g, i) => ({ id: g, priority: i, lastUpdated: T0, profile: {} })))
      }
      if (t === '/api/v1/iam/assignees/users') {
        const ids = [...new Set(org.roles.map((r) => r.userId))]
        const items = ids
          .slice(after, after + limit)
          .map((uid) => ({ id: uid, orn: `orn:okta:directory:1:users:${uid}` }))
        const body: Record<string, unknown> = { value: items, _links: {} }
        if (after + limit < ids.length) {
          body._links = {
            next: { href: `${ORG}/api/v1/iam/assignees/users?after=${after + limit}&limit=${limit}` },
          }
        }
        return [200, body, RATE(now)]
      }
      if (t === '/api/v1/users/{id}/roles') {
        return [
          200,
          org.roles
            .filter((r) => r.userId === id)
            .map((r, i) => ({
              id: `ra${id}${i}`,
              label: r.label,
              type: r.type,
              status: 'ACTIVE',
              created: T0,
              lastUpdated: T0,
              assignmentType: r.assignmentType ?? 'USER',
              _links: {
                assignee: {
                  href: r.groupId ? `${ORG}/api/v1/groups/${r.groupId}` : `${ORG}/api/v1/users/${r.userId}`,
                },
              },
            })),
          RATE(now),
        ]
      }
      if (t === '/api/v1/api-tokens') {
        return page(
          org.tokens.map((k) => ({
            id: k.id,
            name: k.name,
            userId: k.userId,
            clientName: 'Okta API',
            created: k.created,
            lastUpdated: k.created,
            expiresAt: k.expiresAt,
            tokenWindow: 'P30D',
          })),
        )
      }
      if (t === '/api/v1/logs') {
        // Polling: ascending, always a next link; `after` is the position in the log.
        const types = [...(q.get('filter') ?? '').matchAll(/eventType eq "([^"]+)"/g)].map((m) => m[1])
        let pos = Number(q.get('after') ?? '0')
        const since = q.get('since') ? Date.parse(q.get('since')!) : undefined
        if (!q.get('after') && since !== undefined) {
          pos = org.logs.findIndex((e) => Date.parse(e.published) >= since)
          if (pos < 0) pos = org.logs.length
        }
        const out: FakeEvent[] = []
        let i = pos
        for (; i < org.logs.length && out.length < limit; i++) {
          if (types.length === 0 || types.includes(org.logs[i]!.eventType)) out.push(org.logs[i]!)
        }
        const n = new URL(url)
        n.searchParams.delete('since')
        n.searchParams.set('after', String(i))
        return [
          200,
          out.map((e) => ({
            ...e,
            displayMessage: e.eventType,
            severity: 'INFO',
            version: '0',
            actor: { id: '00uadmin', type: 'User', alternateId: 'admin@acme.example', displayName: 'Admin' },
            outcome: { result: 'SUCCESS' },
          })),
          { ...RATE(now), link: `<${n.toString()}>; rel="next"` },
        ]
      }
      return [
        404,
        { errorCode: 'E0000022', errorSummary: `The endpoint does not support the provided HTTP method` },
        RATE(now),
      ]
    })
}

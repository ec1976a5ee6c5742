import {
  decodeCursor,
  encodeCursor,
  json,
  nextOffsetCursor,
  type OffsetCursor,
  type Reply,
  type RequestContext,
  type Router,
  resumeOffset,
} from '../core/index.ts'
import type { OktaApp, OktaGroup, OktaLogEvent, OktaUser } from '../state.ts'
import { type OktaAuth, type OktaCaller, requireScope } from './auth.ts'
import { notFound, oktaFail } from './errors.ts'
import {
  appFilterRules,
  compileExpression,
  groupFilterRules,
  groupSearchRules,
  logFilterRules,
  type Predicate,
  readPath,
  userFilterRules,
  userSearchRules,
} from './expression.ts'
import type { OktaState } from './state.ts'

type Obj = Record<string, unknown>

/**
 * Okta list endpoints: bare JSON arrays, `Link` headers with `rel="self"` and `rel="next"` (alternately as
 * separate header lines and as one comma-joined line, both of which Okta sends), opaque `after` cursors, and each
 * endpoint's own default and maximum `limit`.
 */
export function oktaRoutes(router: Router, state: OktaState, auth: OktaAuth): void {
  const t = state.tenant
  let linkStyle = 0

  const page = <T>(
    ctx: RequestContext,
    items: readonly T[],
    wire: (x: T) => unknown,
    limits: { def: number; max: number },
  ): Reply => {
    const limit = parseLimit(ctx, limits)
    const start = afterPosition(ctx, items as readonly unknown[], limit)
    const slice = items.slice(start, start + limit)
    const links = [`<${ctx.url.toString()}>; rel="self"`]
    if (start + limit < items.length)
      links.push(
        `<${withAfter(ctx, encodeCursor(nextOffsetCursor(items, start + limit)), limit)}>; rel="next"`,
      )
    return json(200, slice.map(wire), { link: linkStyle++ % 2 === 0 ? links : links.join(', ') })
  }

  const caller = (ctx: RequestContext) => ctx.auth as OktaCaller | undefined
  const scoped =
    (scope: string, handler: (ctx: RequestContext) => Reply | Promise<Reply>) => (ctx: RequestContext) => {
      requireScope(caller(ctx), scope)
      return handler(ctx)
    }

  const userWire = (origin: string) => (u: OktaUser) => ({
    ...u,
    credentials: { password: {}, provider: { type: 'OKTA', name: 'OKTA' } },
    _links: { self: { href: `${origin}/api/v1/users/${u.id}` } },
  })
  const groupWire = (origin: string) => (g: OktaGroup) => ({
    ...g,
    _links: {
      logo: [],
      users: { href: `${origin}/api/v1/groups/${g.id}/users` },
      apps: { href: `${origin}/api/v1/groups/${g.id}/apps` },
    },
  })
  const appWire =
    (origin: string) =>
    ({ isApiServiceApp, ...a }: OktaApp) => ({
      ...a,
      accessibility: { selfService: false, errorRedirectUrl: null, loginRedirectUrl: null },
      visibility: { autoSubmitToolbar: false, hide: { iOS: false, web: isApiServiceApp } },
      features: [],
      settings:
        a.signOnMode === 'OPENID_CONNECT'
          ? { app: {}, oauthClient: { application_type: isApiServiceApp ? 'service' : 'web' } }
          : { app: {} },
      _links: {
        users: { href: `${origin}/api/v1/apps/${a.id}/users` },
        groups: { href: `${origin}/api/v1/apps/${a.id}/groups` },
        self: { href: `${origin}/api/v1/apps/${a.id}` },
      },
    })

  const findUser = (idOrLogin: string) =>
    state.users.get(idOrLogin) ??
    t.users.find((u) => u.profile.login.toLowerCase() === idOrLogin.toLowerCase())

  router
    .get(
      '/api/v1/users',
      scoped('okta.users.read', (ctx) => {
        const q = ctx.query
        const search = q.get('search')
        const filter = q.get('filter')
        const prefix = q.get('q')
        let items: readonly OktaUser[] = t.users
        if (search !== null || filter !== null) {
          // search and filter include DEPROVISIONED users.
          const preds: Predicate[] = []
          if (search !== null) preds.push(compileExpression(search, userSearchRules))
          if (filter !== null) preds.push(compileExpression(filter, userFilterRules))
          const sortBy = q.get('sortBy')
          const key = `users?search=${search}&filter=${filter}&sortBy=${sortBy}&sortOrder=${q.get('sortOrder')}`
          items = state.memo(key, () => {
            let found = t.users.filter((u) => preds.every((p) => p(u as unknown as Obj)))
            if (search !== null && sortBy) {
              const sign = q.get('sortOrder')?.toLowerCase() === 'desc' ? -1 : 1
              found = found.sort(
                (a, b) =>
                  sign *
                  String(readPath(a as unknown as Obj, sortBy) ?? '').localeCompare(
                    String(readPath(b as unknown as Obj, sortBy) ?? ''),
                  ),
              )
            }
            return found
          })
        } else if (prefix !== null) {
          // q: a prefix match without paging, never DEPROVISIONED.
          const p = prefix.toLowerCase()
          const limit = parseLimit(ctx, { def: 10, max: 200 })
          const found = t.users
            .filter((u) => u.status !== 'DEPROVISIONED')
            .filter((u) =>
              [u.profile.firstName, u.profile.lastName, u.profile.email, u.profile.login].some((v) =>
                v.toLowerCase().startsWith(p),
              ),
            )
            .slice(0, limit)
          return json(200, found.map(userWire(ctx.origin)), { link: `<${ctx.url.toString()}>; rel="self"` })
        } else {
          items = state.memo('users', () => t.users.filter((u) => u.status !== 'DEPROVISIONED'))
        }
        return page(ctx, items, userWire(ctx.origin), { def: 200, max: 200 })
      }),
    )
    .get(
      '/api/v1/users/:id',
      scoped('okta.users.read', (ctx) => {
        const u = findUser(ctx.params.id!)
        if (!u) notFound('User', ctx.params.id!)
        return json(200, userWire(ctx.origin)(u))
      }),
    )
    .get(
      '/api/v1/users/:id/roles',
      scoped('okta.roles.read', (ctx) => {
        const u = findUser(ctx.params.id!)
        if (!u) notFound('User', ctx.params.id!)
        const roles = t.roles
          .filter((r) => r.userId === u.id)
          .map(({ userId, ...r }) => ({
            ...r,
            _links: { assignee: { href: `${ctx.origin}/api/v1/users/${userId}` } },
          }))
        return json(200, roles)
      }),
    )
    .get(
      '/api/v1/groups',
      scoped('okta.groups.read', (ctx) => {
        const q = ctx.query
        const preds: Predicate[] = []
        if (q.get('search') !== null) preds.push(compileExpression(q.get('search')!, groupSearchRules))
        if (q.get('filter') !== null) preds.push(compileExpression(q.get('filter')!, groupFilterRules))
        const prefix = q.get('q')?.toLowerCase()
        if (prefix !== undefined)
          preds.push((g) => String(readPath(g, 'profile.name')).toLowerCase().startsWith(prefix))
        const items = preds.length
          ? t.groups.filter((g) => preds.every((p) => p(g as unknown as Obj)))
          : t.groups
        const wire = groupWire(ctx.origin)
        const expand = q.get('expand')
        const withStats = (g: OktaGroup) =>
          expand === 'stats'
            ? {
                ...wire(g),
                _embedded: {
                  stats: { usersCount: (t.groupMembers[g.id] ?? []).length, appsCount: appsOfGroup(g.id) },
                },
              }
            : wire(g)
        return page(ctx, items, withStats, { def: 10_000, max: 10_000 })
      }),
    )
    .get(
      '/api/v1/groups/:id',
      scoped('okta.groups.read', (ctx) => {
        const g = t.groups.find((x) => x.id === ctx.params.id)
        if (!g) notFound('UserGroup', ctx.params.id!)
        return json(200, groupWire(ctx.origin)(g))
      }),
    )
    .get(
      '/api/v1/groups/:id/users',
      scoped('okta.groups.read', (ctx) => {
        const g = t.groups.find((x) => x.id === ctx.params.id)
        if (!g) notFound('UserGroup', ctx.params.id!)
        const members = (t.groupMembers[g.id] ?? []).flatMap((id) => {
          const u = state.users.get(id)
          return u ? [u] : []
        })
        return page(ctx, members, userWire(ctx.origin), { def: 1000, max: 1000 })
      }),
    )
    .get(
      '/api/v1/apps',
      scoped('okta.apps.read', (ctx) => {
        const q = ctx.query
        const preds: Predicate[] = []
        if (q.get('filter') !== null) preds.push(compileExpression(q.get('filter')!, appFilterRules))
        const prefix = q.get('q')?.toLowerCase()
        if (prefix !== undefined) {
          preds.push((a) => [a.label, a.name].some((v) => String(v).toLowerCase().startsWith(prefix)))
        }
        const items = preds.length ? t.apps.filter((a) => preds.every((p) => p(a as unknown as Obj))) : t.apps
        return page(ctx, items, appWire(ctx.origin), { def: 20, max: 200 })
      }),
    )
    .get(
      '/api/v1/apps/:id',
      scoped('okta.apps.read', (ctx) => {
        const a = t.apps.find((x) => x.id === ctx.params.id)
        if (!a) notFound('AppInstance', ctx.params.id!)
        return json(200, appWire(ctx.origin)(a))
      }),
    )
    .get(
      '/api/v1/apps/:id/users',
      scoped('okta.apps.read', (ctx) => {
        const app = t.apps.find((x) => x.id === ctx.params.id)
        if (!app) notFound('AppInstance', ctx.params.id!)
        const expandUser = ctx.query.get('expand') === 'user'
        const wireUser = userWire(ctx.origin)
        const items = state.memo(`apps/${app.id}/users`, () => t.appUsers.filter((a) => a.appId === app.id))
        return page(
          ctx,
          items,
          (a) => ({
            id: a.userId,
            externalId: null,
            created: a.created,
            lastUpdated: a.lastUpdated,
            scope: a.scope,
            status: a.status,
            statusChanged: a.lastUpdated,
            passwordChanged: null,
            syncState: 'DISABLED',
            lastSync: null,
            credentials: a.credentials ?? {},
            profile: {},
            _links: {
              app: { href: `${ctx.origin}/api/v1/apps/${a.appId}` },
              user: { href: `${ctx.origin}/api/v1/users/${a.userId}` },
            },
            ...(expandUser && state.users.has(a.userId)
              ? { _embedded: { user: wireUser(state.users.get(a.userId)!) } }
              : {}),
          }),
          { def: 50, max: 500 },
        )
      }),
    )
    .get(
      '/api/v1/apps/:id/groups',
      scoped('okta.apps.read', (ctx) => {
        const app = t.apps.find((x) => x.id === ctx.params.id)
        if (!app) notFound('AppInstance', ctx.params.id!)
        const items = t.appGroups.filter((a) => a.appId === app.id)
        return page(
          ctx,
          items,
          (a) => ({
            id: a.groupId,
            priority: a.priority,
            lastUpdated: a.lastUpdated,
            profile: {},
            _links: {
              app: { href: `${ctx.origin}/api/v1/apps/${a.appId}` },
              group: { href: `${ctx.origin}/api/v1/groups/${a.groupId}` },
            },
          }),
          { def: 20, max: 200 },
        )
      }),
    )
    .get(
      '/api/v1/iam/assignees/users',
      scoped('okta.roles.read', (ctx) => {
        // Not a bare array: `{value, _links.next}` (Okta's RoleAssignedUsers).
        const ids = [...new Set(t.roles.map((r) => r.userId))]
        const limit = parseLimit(ctx, { def: 100, max: 100 })
        const start = afterPosition(ctx, ids, limit)
        const value = ids.slice(start, start + limit).map((id) => ({
          id,
          orn: `orn:okta:directory:${new URL(t.orgName).hostname.split('.')[0]}:users:${id}`,
          _links: { self: { href: `${ctx.origin}/api/v1/users/${id}` } },
        }))
        const links: Obj = {}
        if (start + limit < ids.length)
          links.next = { href: withAfter(ctx, encodeCursor(nextOffsetCursor(ids, start + limit)), limit) }
        return json(200, { value, _links: links })
      }),
    )
    .get(
      '/api/v1/api-tokens',
      scoped('okta.apiTokens.read', (ctx) =>
        page(
          ctx,
          t.apiTokens,
          (tok) => ({
            ...tok,
            _link: {
              self: { href: `${ctx.origin}/api/v1/api-tokens/${tok.id}` },
              user: { href: `${ctx.origin}/api/v1/users/${tok.userId}` },
            },
          }),
          { def: 20, max: 200 },
        ),
      ),
    )
    .get(
      '/api/v1/logs',
      scoped('okta.logs.read', (ctx) => logs(ctx, state)),
    )
    .post('/oauth2/v1/token', (ctx) => auth.token(ctx))

  function appsOfGroup(groupId: string): number {
    return t.appGroups.filter((a) => a.groupId === groupId).length
  }
}

function parseLimit(ctx: RequestContext, limits: { def: number; max: number }): number {
  const raw = ctx.query.get('limit')
  if (raw === null) return limits.def
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1)
    oktaFail(400, 'E0000001', 'Api validation failed: limit', [
      `limit: The value of limit must be a positive integer.`,
    ])
  // Okta caps an over-large limit at the endpoint's maximum rather than refusing it.
  return Math.min(n, limits.max)
}

/** The position an `after` cursor points at: our opaque cursor, or an object id as Okta also accepts. */
function afterPosition(ctx: RequestContext, items: readonly unknown[], limit: number): number {
  const after = ctx.query.get('after')
  if (after === null || after === '') return 0
  const c = decodeCursor<OffsetCursor>(after)
  if (c && typeof c.o === 'number') return resumeOffset(items, c, limit)
  const i = items.findIndex((x) => (typeof x === 'string' ? x : (x as { id?: string }).id) === after)
  return i < 0 ? items.length : i + 1
}

function withAfter(ctx: RequestContext, after: string, limit: number): string {
  const u = new URL(ctx.url.pathname, ctx.origin)
  for (const [k, v] of ctx.query) if (k !== 'after' && k !== 'limit') u.searchParams.append(k, v)
  u.searchParams.set('after', after)
  u.searchParams.set('limit', String(limit))
  return u.toString()
}

const DAY = 86_400_000

/**
 * The System Log. Polling (no `until`): events in persistence order from `since` (default 7 days back) or the
 * `after` position, and always a next link, even on an empty page. Bounded (`until`): events by `published` in
 * [since, until), and no next link on the last page.
 */
function logs(ctx: RequestContext, state: OktaState): Reply {
  const q = ctx.query
  const events = state.tenant.logs
  const limit = parseLimit(ctx, { def: 100, max: 1000 })
  const since = q.get('since')
  const until = q.get('until')
  const after = q.get('after')
  if (since !== null && after !== null) {
    oktaFail(400, 'E0000001', 'Api validation failed: since', [
      'since: since and after cannot be used together.',
    ])
  }
  const now = Date.parse(state.now())
  for (const [name, v] of [
    ['since', since],
    ['until', until],
  ] as const) {
    if (v !== null && Number.isNaN(Date.parse(v))) {
      oktaFail(400, 'E0000001', `Api validation failed: ${name}`, [
        `${name}: ${name} must be an ISO 8601 timestamp.`,
      ])
    }
  }
  if (since !== null && now - Date.parse(since) > 180 * DAY) {
    oktaFail(400, 'E0000001', 'Api validation failed: since', [
      'since: The since parameter is over 180 days prior to the current day.',
    ])
  }
  const filter = q.get('filter')
  const pred = filter !== null ? compileExpression(filter, logFilterRules) : null
  const wire = (e: OktaLogEvent) => ({
    ...e,
    legacyEventType: null,
    transaction: { type: 'WEB', id: e.uuid.slice(0, 8) },
  })
  const sinceMs = since !== null ? Date.parse(since) : now - 7 * DAY

  if (until !== null) {
    const descending = q.get('sortOrder')?.toUpperCase() === 'DESCENDING' ? -1 : 1
    const untilMs = Date.parse(until)
    const inRange = events
      .filter((e) => {
        const p = Date.parse(e.published)
        return p >= sinceMs && p < untilMs && (!pred || pred(e as unknown as Obj))
      })
      .sort((a, b) => descending * a.published.localeCompare(b.published))
    const start = after !== null ? (decodeCursor<{ o: number }>(after)?.o ?? 0) : 0
    const slice = inRange.slice(start, start + limit)
    const links = [`<${ctx.url.toString()}>; rel="self"`]
    if (start + limit < inRange.length)
      links.push(`<${withAfter(ctx, encodeCursor({ o: start + limit }), limit)}>; rel="next"`)
    return json(200, slice.map(wire), { link: links })
  }

  let pos: number
  if (after !== null) {
    const c = decodeCursor<{ p: number }>(after)
    if (!c || typeof c.p !== 'number')
      oktaFail(400, 'E0000001', 'Api validation failed: after', ['after: invalid cursor'])
    pos = c.p
  } else {
    pos = events.findIndex((e) => Date.parse(e.published) >= sinceMs)
    if (pos < 0) pos = events.length
  }
  const out: OktaLogEvent[] = []
  while (pos < events.length && out.length < limit) {
    const e = events[pos++]!
    if (!pred || pred(e as unknown as Obj)) out.push(e)
  }
  const next = new URL(ctx.url.pathname, ctx.origin)
  for (const [k, v] of q) if (k !== 'after' && k !== 'since') next.searchParams.append(k, v)
  next.searchParams.set('after', encodeCursor({ p: pos }))
  return json(200, out.map(wire), {
    link: [`<${ctx.url.toString()}>; rel="self"`, `<${next.toString()}>; rel="next"`],
  })
}

import type { IncomingMessage } from 'node:http'
import {
  decodeCursor,
  encodeCursor,
  json,
  makeContext,
  nextOffsetCursor,
  type OffsetCursor,
  type Reply,
  ReplyError,
  type RequestContext,
  type Router,
  resumeOffset,
  text,
} from '../core/index.ts'
import type { GraphAppRoleAssignment, GraphMemberRef } from '../state.ts'
import { type DeltaOptions, deltaPage } from './delta.ts'
import { badRequest, graphError, graphFail, notFound, unsupportedQuery } from './errors.ts'
import type { IssuedToken } from './identity.ts'
import { compileFilter, type Obj, parseSelect, parseTop, project } from './odata.ts'
import {
  applicationShape,
  appRoleAssignmentShape,
  directoryObjectKnown,
  type EntityShape,
  groupShape,
  roleAssignmentShape,
  roleDefinitionShape,
  servicePrincipalShape,
  userShape,
} from './shapes.ts'
import type { GraphState } from './state.ts'

export interface GraphRouteOptions extends DeltaOptions {
  /** Page size without `$top` (Graph: 100). */
  defaultTop: number
}

const MAX_BATCH = 20

/** Refuses a request whose token lacks every one of the permissions that allow the call. */
function requirePermission(ctx: RequestContext, anyOf: string[]): void {
  const token = ctx.auth as IssuedToken | undefined
  if (!token || !anyOf.some((p) => token.roles.includes(p))) {
    throw new ReplyError(
      graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'),
    )
  }
}

function advanced(ctx: RequestContext): boolean {
  return String(ctx.req.headers.consistencylevel ?? '').toLowerCase() === 'eventual'
}

/** A collection page: `$filter`, `$select`, `$top`, `$skiptoken`, `$count`, `$orderby` (advanced only). */
type Memo = <V>(key: string, compute: () => V) => V
const noMemo: Memo = (_key, compute) => compute()

function listPage<T>(
  ctx: RequestContext,
  shape: EntityShape<T>,
  entitySet: string,
  source: readonly T[],
  top0: number,
  memo: Memo = noMemo,
) {
  const q = ctx.query
  const select = parseSelect(q.get('$select'), shape.type, shape.known)
  const top = parseTop(q.get('$top'), top0)
  const skipRaw = q.get('$skiptoken')
  const cursor = skipRaw === null ? { o: 0 } : decodeCursor<OffsetCursor>(skipRaw)
  if (!cursor || typeof cursor.o !== 'number') badRequest(`Invalid $skiptoken '${skipRaw}'.`)
  if (q.has('$skip')) unsupportedQuery(`'$skip' is not supported by the service.`)
  const isAdvanced = advanced(ctx)
  let items: readonly unknown[] = source
  let wired = false
  const filter = q.get('$filter')
  if (filter !== null && filter.trim() !== '') {
    const pred = compileFilter(filter, { type: shape.type, known: shape.known, advanced: isAdvanced })
    items = memo(`${entitySet}?$filter=${filter}`, () => source.map((r) => shape.wire(r)).filter(pred))
    wired = true
  }
  const orderby = q.get('$orderby')
  if (orderby !== null) {
    if (filter !== null && !isAdvanced) {
      unsupportedQuery(`Sorting and filtering together requires ConsistencyLevel: eventual and $count=true.`)
    }
    const [prop, dir] = orderby.trim().split(/\s+/)
    if (!shape.known.has(prop!))
      badRequest(`Could not find a property named '${prop}' on type 'microsoft.graph.${shape.type}'.`)
    const sign = dir?.toLowerCase() === 'desc' ? -1 : 1
    const unsorted = items
    items = memo(`${entitySet}?$filter=${filter}&$orderby=${orderby}`, () =>
      [...unsorted].sort(
        (a, b) => sign * String((a as Obj)[prop!] ?? '').localeCompare(String((b as Obj)[prop!] ?? '')),
      ),
    )
  }
  const start = resumeOffset(items, cursor, top)
  const slice = items.slice(start, start + top)
  const value = slice.map((r) => project(wired ? (r as Obj) : shape.wire(r as T), select, shape.defaults))
  const body: Obj = { '@odata.context': `${ctx.origin}/v1.0/$metadata#${entitySet}` }
  if (q.get('$count') === 'true') {
    if (!isAdvanced) badRequest(`$count requires the ConsistencyLevel header set to 'eventual'.`)
    body['@odata.count'] = items.length
  }
  if (start + top < items.length) {
    const next = new URL(ctx.url.pathname, ctx.origin)
    for (const [k, v] of q) if (k !== '$skiptoken') next.searchParams.append(k, v)
    next.searchParams.set('$skiptoken', encodeCursor(nextOffsetCursor(items, start + top)))
    body['@odata.nextLink'] = next.toString()
  }
  body.value = value
  return json(200, body)
}

function single<T>(
  ctx: RequestContext,
  shape: EntityShape<T>,
  entitySet: string,
  raw: T | undefined,
  id: string,
) {
  if (!raw) notFound(id)
  const select = parseSelect(ctx.query.get('$select'), shape.type, shape.known)
  return json(200, {
    '@odata.context': `${ctx.origin}/v1.0/$metadata#${entitySet}/$entity`,
    ...project(shape.wire(raw), select, shape.defaults),
  })
}

export function graphRoutes(router: Router, state: GraphState, opts: GraphRouteOptions): void {
  const t = state.tenant
  const V = '/v1.0'
  const memo: Memo = (key, compute) => state.memo(key, compute)
  const shapeOf = { user: userShape, group: groupShape, servicePrincipal: servicePrincipalShape } as const

  // Directory objects (members, owners): each with its @odata.type, projected with its own type's defaults.
  const directoryObjects = (ctx: RequestContext, refs: readonly GraphMemberRef[], contextName: string) => {
    const select = parseSelect(ctx.query.get('$select'), 'directoryObject', directoryObjectKnown)
    const resolved = refs.flatMap((ref) => {
      const raw =
        ref.type === 'user'
          ? state.users.get(ref.id)
          : ref.type === 'group'
            ? state.groups.get(ref.id)
            : state.servicePrincipals.get(ref.id)
      if (!raw) return []
      const shape = shapeOf[ref.type] as EntityShape<unknown>
      return [{ '@odata.type': shape.odataType, ...project(shape.wire(raw), select, shape.defaults) }]
    })
    const passThrough: EntityShape<Obj> = {
      type: 'directoryObject',
      odataType: '#microsoft.graph.directoryObject',
      known: directoryObjectKnown,
      defaults: null,
      wire: (o) => o,
    }
    // Projection already done per type; page over the resolved objects without $select.
    const q = new URLSearchParams(ctx.query)
    const selectRaw = q.get('$select')
    q.delete('$select')
    const inner = { ...ctx, query: q }
    const reply = listPage(inner, passThrough, contextName, resolved, opts.defaultTop)
    if (selectRaw !== null) {
      const body = reply.body as Obj
      if (typeof body['@odata.nextLink'] === 'string') {
        const u = new URL(body['@odata.nextLink'] as string)
        u.searchParams.set('$select', selectRaw)
        body['@odata.nextLink'] = u.toString()
      }
    }
    return reply
  }

  const ownersOf = (ids: string[]): GraphMemberRef[] => ids.map((id) => ({ type: 'user', id }))

  /** `/{collection}/$count`: plain text, and only as an advanced query (ConsistencyLevel: eventual). */
  const countOf = (ctx: RequestContext, n: number): Reply => {
    if (!advanced(ctx))
      badRequest(`$count is not currently supported without the ConsistencyLevel header set to 'eventual'.`)
    return text(200, String(n))
  }

  /** `servicePrincipals(appId='…')` → the service principal, or Graph's "segment not found" for other segments. */
  const byAppIdKey = (key: string) => {
    const m = /^servicePrincipals\(appId='([^']+)'\)$/.exec(key)
    if (!m) badRequest(`Resource not found for the segment '${key}'.`)
    return t.servicePrincipals.find((sp) => sp.appId === m[1])
  }

  // Direct and indirect members, each once; nesting cycles end where a group was already visited.
  const transitiveMembers = (groupId: string): GraphMemberRef[] =>
    memo(`transitiveMembers/${groupId}`, () => {
      const seen = new Set<string>([groupId])
      const out: GraphMemberRef[] = []
      const queue = [groupId]
      while (queue.length > 0) {
        for (const m of state.members(queue.shift()!)) {
          if (seen.has(m.id)) continue
          seen.add(m.id)
          out.push(m)
          if (m.type === 'group') queue.push(m.id)
        }
      }
      return out
    })

  let arIndex: {
    source: GraphAppRoleAssignment[]
    length: number
    byResource: Map<string, GraphAppRoleAssignment[]>
  } | null = null
  const assignmentsOf = (resourceId: string): GraphAppRoleAssignment[] => {
    if (
      !arIndex ||
      arIndex.source !== t.appRoleAssignments ||
      arIndex.length !== t.appRoleAssignments.length
    ) {
      const byResource = new Map<string, GraphAppRoleAssignment[]>()
      for (const a of t.appRoleAssignments) {
        const l = byResource.get(a.resourceId)
        if (l) l.push(a)
        else byResource.set(a.resourceId, [a])
      }
      arIndex = { source: t.appRoleAssignments, length: t.appRoleAssignments.length, byResource }
    }
    return arIndex.byResource.get(resourceId) ?? []
  }

  const USERS = ['User.Read.All', 'Directory.Read.All']
  const GROUPS = ['Group.Read.All', 'Directory.Read.All']
  const MEMBERS = ['GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All']
  const APPS = ['Application.Read.All', 'Directory.Read.All']
  const ROLES = ['RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'Directory.Read.All']

  const findUser = (idOrUpn: string) =>
    state.users.get(idOrUpn) ??
    (idOrUpn.includes('@')
      ? t.users.find((u) => u.userPrincipalName.toLowerCase() === idOrUpn.toLowerCase())
      : undefined)
  const findApp = (id: string) => t.applications.find((a) => a.id === id)
  const guarded =
    (anyOf: string[], handler: (ctx: RequestContext) => Reply | Promise<Reply>) => (ctx: RequestContext) => {
      requirePermission(ctx, anyOf)
      return handler(ctx)
    }

  router
    .get(
      `${V}/users`,
      guarded(USERS, (ctx) => listPage(ctx, userShape, 'users', t.users, opts.defaultTop, memo)),
    )
    .get(
      `${V}/users/$count`,
      guarded(USERS, (ctx) => countOf(ctx, t.users.length)),
    )
    .get(
      `${V}/groups/$count`,
      guarded(GROUPS, (ctx) => countOf(ctx, t.groups.length)),
    )
    .get(
      `${V}/users/delta`,
      guarded(USERS, (ctx) => deltaPage(state, ctx, 'users', opts)),
    )
    .get(
      `${V}/users/:id`,
      guarded(USERS, (ctx) => single(ctx, userShape, 'users', findUser(ctx.params.id!), ctx.params.id!)),
    )
    .get(`${V}/users/:id/appRoleAssignments`, (ctx) => {
      requirePermission(ctx, USERS)
      const u = findUser(ctx.params.id!)
      if (!u) notFound(ctx.params.id!)
      const list = t.appRoleAssignments.filter((a) => a.principalId === u.id)
      return listPage(
        ctx,
        appRoleAssignmentShape,
        `users('${u.id}')/appRoleAssignments`,
        list,
        opts.defaultTop,
      )
    })
    .get(
      `${V}/groups`,
      guarded(GROUPS, (ctx) => listPage(ctx, groupShape, 'groups', t.groups, opts.defaultTop, memo)),
    )
    .get(
      `${V}/groups/delta`,
      guarded(GROUPS, (ctx) => deltaPage(state, ctx, 'groups', opts)),
    )
    .get(
      `${V}/groups/:id`,
      guarded(GROUPS, (ctx) =>
        single(ctx, groupShape, 'groups', state.groups.get(ctx.params.id!), ctx.params.id!),
      ),
    )
    .get(`${V}/groups/:id/members`, (ctx) => {
      requirePermission(ctx, MEMBERS)
      if (!state.groups.has(ctx.params.id!)) notFound(ctx.params.id!)
      return directoryObjects(ctx, state.members(ctx.params.id!), 'directoryObjects')
    })
    // Alternate keys: `/servicePrincipals(appId='…')` addresses a service principal by its application id.
    .get(`${V}/:key`, (ctx) => {
      const sp = byAppIdKey(ctx.params.key!)
      requirePermission(ctx, APPS)
      return single(ctx, servicePrincipalShape, 'servicePrincipals', sp, ctx.params.key!)
    })
    .get(`${V}/:key/appRoleAssignedTo`, (ctx) => {
      const sp = byAppIdKey(ctx.params.key!)
      requirePermission(ctx, APPS)
      if (!sp) notFound(ctx.params.key!)
      return listPage(
        ctx,
        appRoleAssignmentShape,
        `servicePrincipals('${sp.id}')/appRoleAssignedTo`,
        assignmentsOf(sp.id),
        opts.defaultTop,
      )
    })
    .get(`${V}/groups/:id/transitiveMembers`, (ctx) => {
      requirePermission(ctx, MEMBERS)
      if (!state.groups.has(ctx.params.id!)) notFound(ctx.params.id!)
      return directoryObjects(ctx, transitiveMembers(ctx.params.id!), 'directoryObjects')
    })
    .get(
      `${V}/servicePrincipals`,
      guarded(APPS, (ctx) =>
        listPage(ctx, servicePrincipalShape, 'servicePrincipals', t.servicePrincipals, opts.defaultTop, memo),
      ),
    )
    .get(
      `${V}/servicePrincipals/:id`,
      guarded(APPS, (ctx) =>
        single(
          ctx,
          servicePrincipalShape,
          'servicePrincipals',
          state.servicePrincipals.get(ctx.params.id!),
          ctx.params.id!,
        ),
      ),
    )
    .get(`${V}/servicePrincipals/:id/appRoleAssignedTo`, (ctx) => {
      requirePermission(ctx, APPS)
      const sp = state.servicePrincipals.get(ctx.params.id!)
      if (!sp) notFound(ctx.params.id!)
      return listPage(
        ctx,
        appRoleAssignmentShape,
        `servicePrincipals('${sp.id}')/appRoleAssignedTo`,
        assignmentsOf(sp.id),
        opts.defaultTop,
      )
    })
    .get(`${V}/servicePrincipals/:id/owners`, (ctx) => {
      requirePermission(ctx, APPS)
      const sp = state.servicePrincipals.get(ctx.params.id!)
      if (!sp) notFound(ctx.params.id!)
      return directoryObjects(ctx, ownersOf(sp.owners), 'directoryObjects')
    })
    .get(
      `${V}/applications`,
      guarded(APPS, (ctx) =>
        listPage(ctx, applicationShape, 'applications', t.applications, opts.defaultTop, memo),
      ),
    )
    .get(
      `${V}/applications/:id`,
      guarded(APPS, (ctx) =>
        single(ctx, applicationShape, 'applications', findApp(ctx.params.id!), ctx.params.id!),
      ),
    )
    .get(`${V}/applications/:id/owners`, (ctx) => {
      requirePermission(ctx, APPS)
      const app = findApp(ctx.params.id!)
      if (!app) notFound(ctx.params.id!)
      return directoryObjects(ctx, ownersOf(app.owners), 'directoryObjects')
    })
    .get(
      `${V}/roleManagement/directory/roleAssignments`,
      guarded(ROLES, (ctx) =>
        listPage(
          ctx,
          roleAssignmentShape,
          'roleManagement/directory/roleAssignments',
          t.roleAssignments,
          opts.defaultTop,
          memo,
        ),
      ),
    )
    .get(
      `${V}/roleManagement/directory/roleDefinitions`,
      guarded(ROLES, (ctx) =>
        listPage(
          ctx,
          roleDefinitionShape,
          'roleManagement/directory/roleDefinitions',
          t.roleDefinitions,
          opts.defaultTop,
        ),
      ),
    )
    .post(`${V}/$batch`, (ctx) => batch(ctx, router))
}

interface BatchRequest {
  id: string
  method: string
  url: string
  headers?: Record<string, string>
  body?: unknown
  dependsOn?: string[]
}

/** JSON batching: up to 20 requests run through the same routes; the outer status is 200 whatever they answer. */
async function batch(ctx: RequestContext, router: Router): Promise<Reply> {
  const body = await ctx.json<{ requests?: BatchRequest[] }>()
  const requests = body.requests
  if (!Array.isArray(requests) || requests.length === 0) badRequest('Invalid batch payload format.')
  if (requests.length > MAX_BATCH)
    badRequest(`The number of batch requests exceeds the maximum of ${MAX_BATCH}.`)
  const ids = new Set<string>()
  for (const r of requests) {
    if (typeof r.id !== 'string' || typeof r.url !== 'string' || typeof r.method !== 'string') {
      badRequest('Each batch request needs a string id, method and url.')
    }
    if (ids.has(r.id)) badRequest(`Batch request id '${r.id}' is used more than once.`)
    ids.add(r.id)
    if (/^https?:/i.test(r.url)) badRequest(`Batch request '${r.id}': the url must be relative.`)
    if (r.body !== undefined && !r.headers?.['Content-Type'] && !r.headers?.['content-type']) {
      badRequest(`Batch request '${r.id}': a request with a body needs a Content-Type header.`)
    }
  }
  const statuses = new Map<string, number>()
  const responses: Obj[] = []
  for (const r of requests) {
    const failedDep = (r.dependsOn ?? []).find((d) => (statuses.get(d) ?? 0) >= 400 || !statuses.has(d))
    if (failedDep !== undefined) {
      statuses.set(r.id, 424)
      responses.push({
        id: r.id,
        status: 424,
        body: graphError(424, 'FailedDependency', 'Failed dependency.').body,
      })
      continue
    }
    // Each item is throttled on its own (it can answer 429 with its own Retry-After inside a 200 batch).
    const decision = ctx.rateLimit?.('graph', 'graph') ?? null
    const reply =
      decision && !decision.allowed
        ? graphError(429, 'TooManyRequests', 'Please retry again later.', {
            'Retry-After': String(decision.retryAfterS),
          })
        : await runInner(ctx, router, r)
    statuses.set(r.id, reply.status)
    const headers: Record<string, string> = { 'Content-Type': 'application/json' }
    for (const [k, v] of Object.entries(reply.headers ?? {})) {
      if (k.toLowerCase() === 'retry-after' || k.toLowerCase() === 'location') headers[k] = String(v)
    }
    responses.push({ id: r.id, status: reply.status, headers, body: reply.body ?? null })
  }
  return json(200, { responses })
}

async function runInner(outer: RequestContext, router: Router, r: BatchRequest): Promise<Reply> {
  const url = new URL(`/v1.0${r.url.startsWith('/') ? '' : '/'}${r.url}`, outer.origin)
  const method = r.method.toUpperCase()
  const match = router.match(method, url.pathname)
  if (!match || 'methodNotAllowed' in match || url.pathname === '/v1.0/$batch') {
    return graphError(
      400,
      'BadRequest',
      `Resource not found for the segment '${url.pathname.split('/').pop()}'.`,
    )
  }
  const headers: Record<string, string> = { ...(outer.req.headers as Record<string, string>) }
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = v
  const fakeReq = { headers, method } as unknown as IncomingMessage
  const ctx = makeContext(fakeReq, url, outer.origin, match.params, match.route.name)
  ctx.auth = outer.auth
  const bodyBytes = Buffer.from(r.body === undefined ? '' : JSON.stringify(r.body))
  ctx.body = async () => bodyBytes
  try {
    return await match.route.handler(ctx)
  } catch (err) {
    if (err instanceof ReplyError) return err.reply
    return graphError(400, 'BadRequest', err instanceof Error ? err.message : String(err))
  }
}

export { graphFail }

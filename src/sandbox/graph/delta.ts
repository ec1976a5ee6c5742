import { decodeCursor, encodeCursor, json, type Reply, type RequestContext } from '../core/index.ts'
import type { GraphMemberRef } from '../state.ts'
import { badRequest, graphFail } from './errors.ts'
import { type Obj, parseSelect, project } from './odata.ts'
import { groupShape, userShape } from './shapes.ts'
import type { GraphState } from './state.ts'

/**
 * `/users/delta` and `/groups/delta`. A first round (no token) walks the current state; later rounds replay the
 * change log between the token's sequence number and the log head at the round's first request. Pages have a
 * fixed size (`pageSize` objects); a group's members are sent in chunks of `memberChunk`, so a large group
 * appears on several pages (merge by id). The deltaLink's token encodes the position, the `$select` and the
 * epoch; tokens older than 7 days or from before `expireDeltaTokens()` answer 410 with a Location for a resync.
 */

export type DeltaKind = 'users' | 'groups'

interface DeltaToken {
  k: DeltaKind
  s: number
  e: number
  t: number
  sel: string[] | null
}

interface SkipToken {
  k: DeltaKind
  /** null: a first round. */
  from: number | null
  to: number
  e: number
  sel: string[] | null
  /** First round: group (or user) index and member chunk index. Later rounds: item offset. */
  i: number
  c: number
}

export interface DeltaOptions {
  pageSize: number
  memberChunk: number
  clock: () => number
}

const TOKEN_LIFETIME_MS = 7 * 86_400_000

const ODATA_TYPE: Record<GraphMemberRef['type'], string> = {
  user: '#microsoft.graph.user',
  group: '#microsoft.graph.group',
  servicePrincipal: '#microsoft.graph.servicePrincipal',
}

function memberEntry(ref: GraphMemberRef, removed: boolean): Obj {
  const e: Obj = { '@odata.type': ODATA_TYPE[ref.type], id: ref.id }
  if (removed) e['@removed'] = { reason: 'deleted' }
  return e
}

export function deltaPage(
  state: GraphState,
  ctx: RequestContext,
  kind: DeltaKind,
  opts: DeltaOptions,
): Reply {
  const q = ctx.query
  const base = `${ctx.origin}/v1.0/${kind}/delta`
  const shape = kind === 'users' ? userShape : groupShape
  // `$top` is not supported on delta (pages have a fixed size): it is ignored rather than refused, since the
  // reference does not confirm a refusal; `$orderby` is refused.
  if (q.has('$orderby'))
    graphFail(400, 'Request_UnsupportedQuery', `Unsupported query option '$orderby' on delta.`)

  let skip: SkipToken
  const rawSkip = q.get('$skiptoken')
  const rawDelta = q.get('$deltatoken')
  if (rawSkip !== null) {
    const s = decodeCursor<SkipToken>(rawSkip)
    if (!s || s.k !== kind) badRequest(`The $skiptoken is not valid for ${kind}/delta.`)
    skip = s
  } else if (rawDelta !== null) {
    const sel = parseSelect(q.get('$select'), shape.type, shape.known)
    if (rawDelta === 'latest') {
      const token: DeltaToken = { k: kind, s: state.head, e: state.epoch, t: opts.clock(), sel }
      return page(ctx, kind, [], null, `${base}?$deltatoken=${encodeCursor(token)}`)
    }
    const d = decodeCursor<DeltaToken>(rawDelta)
    if (!d || d.k !== kind || typeof d.s !== 'number')
      badRequest(`The delta token is not valid for ${kind}/delta.`)
    if (d.e !== state.epoch || opts.clock() - d.t > TOKEN_LIFETIME_MS) {
      const selectPart = d.sel ? `?$select=${d.sel.join(',')}` : ''
      graphFail(
        410,
        'resyncRequired',
        'Resync required. Replace any local cached copy of the delta query results, and restart the sync with the Location header.',
        { location: `${base}${selectPart}` },
      )
    }
    skip = { k: kind, from: d.s, to: state.head, e: state.epoch, sel: d.sel, i: 0, c: 0 }
  } else {
    const sel = parseSelect(q.get('$select'), shape.type, shape.known)
    skip = { k: kind, from: null, to: state.head, e: state.epoch, sel, i: 0, c: 0 }
  }

  const withMembers = kind === 'groups' && (skip.sel === null || skip.sel.includes('members'))
  const propSel = skip.sel?.filter((p) => p !== 'members') ?? null
  const wireObject = (raw: unknown): Obj =>
    project((shape.wire as (r: unknown) => Obj)(raw), propSel?.length ? propSel : null, shape.defaults)

  const items: Obj[] = []
  let nextSkip: SkipToken | null = null
  if (skip.from === null) {
    // First round: walk the current state from the cursor.
    if (kind === 'users') {
      const users = state.tenant.users
      const end = Math.min(users.length, skip.i + opts.pageSize)
      for (let i = skip.i; i < end; i++) items.push(wireObject(users[i]))
      if (end < users.length) nextSkip = { ...skip, i: end }
    } else {
      const groups = state.tenant.groups
      let gi = skip.i
      let ci = skip.c
      while (items.length < opts.pageSize && gi < groups.length) {
        const g = groups[gi]!
        const obj = wireObject(g)
        const members = state.members(g.id)
        const chunks = withMembers ? Math.max(1, Math.ceil(members.length / opts.memberChunk)) : 1
        if (withMembers) {
          obj['members@delta'] = members
            .slice(ci * opts.memberChunk, (ci + 1) * opts.memberChunk)
            .map((m) => memberEntry(m, false))
        }
        items.push(obj)
        ci++
        if (ci >= chunks) {
          gi++
          ci = 0
        }
      }
      if (gi < groups.length) nextSkip = { ...skip, i: gi, c: ci }
    }
  } else {
    const all = changedItems(state, kind, skip.from, skip.to, withMembers, wireObject, opts.memberChunk)
    const end = Math.min(all.length, skip.i + opts.pageSize)
    items.push(...all.slice(skip.i, end))
    if (end < all.length) nextSkip = { ...skip, i: end }
  }

  if (nextSkip) return page(ctx, kind, items, `${base}?$skiptoken=${encodeCursor(nextSkip)}`, null)
  const token: DeltaToken = { k: kind, s: skip.to, e: skip.e, t: opts.clock(), sel: skip.sel }
  return page(ctx, kind, items, null, `${base}?$deltatoken=${encodeCursor(token)}`)
}

function page(
  ctx: RequestContext,
  kind: DeltaKind,
  value: Obj[],
  nextLink: string | null,
  deltaLink: string | null,
) {
  const body: Obj = { '@odata.context': `${ctx.origin}/v1.0/$metadata#${kind}` }
  if (nextLink) body['@odata.nextLink'] = nextLink
  if (deltaLink) body['@odata.deltaLink'] = deltaLink
  body.value = value
  return json(200, body)
}

/** What changed between two log positions, one entry per object (groups split into member chunks). */
function changedItems(
  state: GraphState,
  kind: DeltaKind,
  from: number,
  to: number,
  withMembers: boolean,
  wireObject: (raw: unknown) => Obj,
  memberChunk: number,
): Obj[] {
  const entity = kind === 'users' ? 'user' : 'group'
  // Last change wins per object; Map order follows first appearance, which keeps pages stable across a round.
  const touched = new Map<string, { members: Map<string, { ref: GraphMemberRef; removed: boolean }> }>()
  for (const c of state.changesBetween(from, to)) {
    if (c.entity !== entity) continue
    let t = touched.get(c.id)
    if (!t) {
      t = { members: new Map() }
      touched.set(c.id, t)
    }
    if (c.member) t.members.set(c.member.ref.id, c.member)
  }
  const out: Obj[] = []
  for (const [id, t] of touched) {
    const current = kind === 'users' ? state.users.get(id) : state.groups.get(id)
    if (!current) {
      out.push({ id, '@removed': { reason: 'changed' } })
      continue
    }
    const changes = [...t.members.values()]
    if (!withMembers || changes.length === 0) {
      const obj = wireObject(current)
      if (withMembers) obj['members@delta'] = []
      out.push(obj)
      continue
    }
    for (let i = 0; i < changes.length; i += memberChunk) {
      const obj = wireObject(current)
      obj['members@delta'] = changes.slice(i, i + memberChunk).map((m) => memberEntry(m.ref, m.removed))
      out.push(obj)
    }
  }
  return out
}

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
  /** First round: index of the next user or group. Later rounds: item offset. */
  i: number
  /** First round: offset of the next member within the group. */
  c: number
  /**
   * First round: id of the next user or group, and of the next member. A deletion between two pages shifts the
   * arrays, so resuming by id (the index being only the fallback) neither skips nor repeats anyone.
   */
  id?: string
  m?: string
  /** First round: id of the last user or group sent, and of the last member sent (when the next ones are gone). */
  prev?: string
  pm?: string
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
      const at = state.memo('users/index', () => new Map(users.map((u, i) => [u.id, i])))
      const start = Math.min(
        users.length,
        resume((id) => at.get(id), skip.id, skip.prev, skip.i, opts.pageSize),
      )
      const end = Math.min(users.length, start + opts.pageSize)
      for (let i = start; i < end; i++) items.push(wireObject(users[i]))
      if (end < users.length) nextSkip = { ...skip, i: end, id: users[end]!.id, prev: users[end - 1]?.id }
    } else {
      const groups = state.tenant.groups
      const at = state.memo('groups/index', () => new Map(groups.map((g, i) => [g.id, i])))
      let gi = Math.min(
        groups.length,
        resume((id) => at.get(id), skip.id, undefined, skip.i, 1),
      )
      let mo = 0
      if (gi < groups.length && skip.id === groups[gi]!.id) {
        const list = state.members(groups[gi]!.id)
        const find = (id: string) => {
          const i = list.findIndex((x) => x.id === id)
          return i < 0 ? undefined : i
        }
        mo = resume(find, skip.m, skip.pm, skip.c, opts.memberChunk)
      }
      while (items.length < opts.pageSize && gi < groups.length) {
        const g = groups[gi]!
        const obj = wireObject(g)
        const members = withMembers ? state.members(g.id) : []
        if (withMembers) {
          obj['members@delta'] = members.slice(mo, mo + opts.memberChunk).map((m) => memberEntry(m, false))
        }
        items.push(obj)
        mo += opts.memberChunk
        if (mo >= members.length) {
          gi++
          mo = 0
        }
      }
      if (gi < groups.length) {
        const list = state.members(groups[gi]!.id)
        const m = mo > 0 ? list[mo]?.id : undefined
        const pm = mo > 0 ? list[mo - 1]?.id : undefined
        nextSkip = { ...skip, i: gi, c: mo, id: groups[gi]!.id, m, pm }
      }
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

/**
 * Where a first round resumes: at the next object if it still exists, else just after the last one sent, else a
 * page back from the stored index (a replay, which Graph allows and clients merge by id, rather than a skip).
 */
function resume(
  index: (id: string) => number | undefined,
  next: string | undefined,
  prev: string | undefined,
  stored: number,
  back: number,
): number {
  const n = next === undefined ? undefined : index(next)
  if (n !== undefined) return n
  const p = prev === undefined ? undefined : index(prev)
  if (p !== undefined) return p + 1
  return next === undefined && prev === undefined ? stored : Math.max(0, stored - back)
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

import { nowMs } from '../../core/clock.ts'
import { json, type Reply, ReplyError, type RequestContext, type Router } from '../core/index.ts'
import type { SnPrincipal } from './auth.ts'
import type { SnDatabase } from './database.ts'
import { noRecord, snError } from './errors.ts'
import type { QueryContext } from './query-eval.ts'
import { type DisplayMode, type RenderOptions, recordRenderer } from './render.ts'
import { snDateTime } from './time.ts'

const DEFAULT_LIMIT = 10_000
/** The paths the Table API answers on: unversioned (v1 behaviour), v1 and v2. */
const PREFIXES = [
  { path: '/api/now/table', version: 'v1' },
  { path: '/api/now/v1/table', version: 'v1' },
  { path: '/api/now/v2/table', version: 'v2' },
] as const

function principal(ctx: RequestContext): SnPrincipal {
  return (ctx.auth as SnPrincipal | undefined) ?? { username: 'guest' }
}

function flag(ctx: RequestContext, name: string): boolean {
  return (ctx.query.get(name) ?? '').toLowerCase() === 'true'
}

function renderOptions(ctx: RequestContext): RenderOptions {
  const fields = ctx.query.get('sysparm_fields')
  const dv = (ctx.query.get('sysparm_display_value') ?? 'false').toLowerCase()
  return {
    fields: fields
      ? fields
          .split(',')
          .map((f) => f.trim())
          .filter((f) => f !== '')
      : undefined,
    displayValue: (dv === 'true' || dv === 'all' ? dv : 'false') as DisplayMode,
    excludeReferenceLink: flag(ctx, 'sysparm_exclude_reference_link'),
    origin: ctx.origin,
  }
}

function nonNegativeInt(raw: string | null, fallback: number): number {
  if (raw === null || raw.trim() === '') return fallback
  const n = Number(raw)
  return Number.isInteger(n) && n >= 0 ? n : fallback
}

/** `<url>;rel="first",<url>;rel="prev",<url>;rel="next",<url>;rel="last"` on the request's own URL. */
function linkHeader(url: URL, offset: number, limit: number, total: number): string {
  const at = (o: number) => {
    const u = new URL(url)
    u.searchParams.set('sysparm_offset', String(o))
    u.searchParams.set('sysparm_limit', String(limit))
    return u.toString()
  }
  const last = total === 0 ? 0 : Math.floor((total - 1) / limit) * limit
  const links = [`<${at(0)}>;rel="first"`]
  if (offset > 0) links.push(`<${at(Math.max(0, offset - limit))}>;rel="prev"`)
  if (offset + limit < total) links.push(`<${at(offset + limit)}>;rel="next"`)
  links.push(`<${at(last)}>;rel="last"`)
  return links.join(',')
}

async function readRecordBody(ctx: RequestContext): Promise<Record<string, unknown>> {
  let body: unknown
  try {
    body = await ctx.json()
  } catch {
    throw new ReplyError(snError(400, 'Exception while reading request', 'The payload is not valid JSON.'))
  }
  // One record per request; extra records are ignored (KB0534905).
  if (Array.isArray(body)) body = body[0]
  if (body === null || typeof body !== 'object') {
    throw new ReplyError(snError(400, 'Exception while reading request', 'The payload is not a JSON object.'))
  }
  return body as Record<string, unknown>
}

/** Registers the Table API routes (collection and single record, unversioned, v1 and v2) on a router. */
export function tableApi(router: Router, db: SnDatabase, userSysId: (username: string) => string): void {
  const tableOf = (ctx: RequestContext): string => {
    const table = ctx.params.table!
    if (!db.hasTable(table)) throw new ReplyError(snError(400, `Invalid table ${table}`, ''))
    return table
  }
  const queryContext = (ctx: RequestContext): QueryContext => ({
    userSysId: userSysId(principal(ctx).username),
    nowText: snDateTime(nowMs()),
  })

  for (const prefix of PREFIXES) {
    const collection = `${prefix.path}/:table`
    const single = `${prefix.path}/:table/:sys_id`
    const name = (method: string, withId: boolean) =>
      `${method} ${prefix.path}/{table}${withId ? '/{sys_id}' : ''}`

    router.get(
      collection,
      (ctx) => {
        const table = tableOf(ctx)
        let query = ctx.query.get('sysparm_query')
        if (query === null) {
          // `name=value` pairs filter too (mutually exclusive with sysparm_query).
          query = [...ctx.query]
            .filter(([k]) => !k.startsWith('sysparm_'))
            .map(([k, v]) => `${k}=${v}`)
            .join('^')
        }
        const limit = Math.max(1, nonNegativeInt(ctx.query.get('sysparm_limit'), DEFAULT_LIMIT))
        const offset = nonNegativeInt(ctx.query.get('sysparm_offset'), 0)
        const rows = db.select(table, query, queryContext(ctx))
        // The limit applies before ACLs: hidden rows take their place in the window and are then left out.
        const page = rows.slice(offset, offset + limit).filter((r) => !db.isHidden(r.sys_id!))
        const headers: Record<string, string> = {}
        if (!flag(ctx, 'sysparm_no_count')) headers['X-Total-Count'] = String(rows.length)
        if (!flag(ctx, 'sysparm_suppress_pagination_header') && (offset > 0 || rows.length > limit)) {
          headers.Link = linkHeader(ctx.url, offset, limit, rows.length)
        }
        if (page.length === 0 && prefix.version === 'v1') {
          return { ...noRecord(), headers }
        }
        const render = recordRenderer(db, table, renderOptions(ctx))
        return json(200, { result: page.map(render) }, headers)
      },
      name('GET', false),
    )

    router.get(
      single,
      (ctx) => {
        const table = tableOf(ctx)
        const row = db.table(table).byId.get(ctx.params.sys_id!)
        if (!row || db.isHidden(row.sys_id!)) return noRecord()
        return json(200, { result: recordRenderer(db, table, renderOptions(ctx))(row) })
      },
      name('GET', true),
    )

    router.post(
      collection,
      async (ctx) => {
        const table = tableOf(ctx)
        const row = db.insert(table, await readRecordBody(ctx), principal(ctx).username)
        const headers = { Location: `${ctx.origin}/api/now/table/${table}/${row.sys_id}` }
        if ((ctx.req.headers['x-no-response-body'] ?? '').toString().toLowerCase() === 'true') {
          return { status: 201, headers }
        }
        return json(201, { result: recordRenderer(db, table, renderOptions(ctx))(row) }, headers)
      },
      name('POST', false),
    )

    const update = async (ctx: RequestContext): Promise<Reply> => {
      const table = tableOf(ctx)
      const id = ctx.params.sys_id!
      if (db.isHidden(id)) return noRecord()
      const row = db.update(table, id, await readRecordBody(ctx), principal(ctx).username)
      if (!row) return noRecord()
      return json(200, { result: recordRenderer(db, table, renderOptions(ctx))(row) })
    }
    router.add('PATCH', single, update, name('PATCH', true))
    router.add('PUT', single, update, name('PUT', true))
    router.add(
      'DELETE',
      single,
      (ctx) => {
        const table = tableOf(ctx)
        const id = ctx.params.sys_id!
        if (db.isHidden(id) || !db.delete(table, id)) return noRecord()
        return { status: 204 }
      },
      name('DELETE', true),
    )
  }
}

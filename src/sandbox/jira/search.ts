import { createHash } from 'node:crypto'
import { nowMs } from '../../core/clock.ts'
import {
  decodeCursor,
  encodeCursor,
  json,
  type Reply,
  type RequestContext,
  type Router,
} from '../core/index.ts'
import type { JiraDatabase } from './database.ts'
import { jiraError } from './errors.ts'
import { JqlError, UNBOUNDED } from './jql.ts'
import { idOnly, parseFieldSelection, renderIssue } from './render.ts'

const DEFAULT_MAX = 50
/** Jira returns up to 5000 issues a page when only ids/keys are asked for, fewer with fields. */
const MAX_IDS_ONLY = 5000
const MAX_WITH_FIELDS = 100
const MAX_PROPERTIES = 5

export const SEARCH_REMOVED =
  'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. ' +
  'A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046'

interface SearchParams {
  jql: unknown
  nextPageToken?: unknown
  maxResults?: unknown
  fields?: unknown
  properties?: unknown
  expand?: unknown
  reconcileIssues?: unknown
}

function list(v: unknown, name: string): string[] | Reply {
  if (v === undefined || v === null) return []
  if (typeof v === 'string')
    return v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map(String)
  return jiraError(400, [`The value of '${name}' is not valid.`])
}

function jqlHash(jql: string): string {
  return createHash('sha256').update(jql).digest('base64url').slice(0, 16)
}

/**
 * The enhanced search (`GET|POST /rest/api/3/search/jql`): `nextPageToken` paging over a result that is
 * eventually consistent with writes, `fields` defaulting to `id` only, and the removed `/rest/api/3/search`
 * answering 410 as Jira Cloud does since CHANGE-2046.
 */
export function searchApi(router: Router, db: JiraDatabase): void {
  const search = (ctx: RequestContext, p: SearchParams): Reply => {
    if (typeof p.jql !== 'string' && p.jql !== undefined)
      return jiraError(400, ["The value of 'jql' is not valid."])
    const jql = typeof p.jql === 'string' ? p.jql.trim() : ''
    const fieldItems = list(p.fields, 'fields')
    const propertyItems = list(p.properties, 'properties')
    const reconcile = list(p.reconcileIssues, 'reconcileIssues')
    for (const l of [fieldItems, propertyItems, reconcile]) if (!Array.isArray(l)) return l
    const fields = fieldItems as string[]
    const properties = propertyItems as string[]
    if (properties.length > MAX_PROPERTIES) {
      return jiraError(400, [`A maximum of ${MAX_PROPERTIES} issue properties can be requested.`])
    }
    const selection = parseFieldSelection(fields, ['id'], db.tenant.fields)
    const idsOnly =
      idOnly(selection) || (!selection.all && [...selection.include].every((f) => f === 'key' || f === 'id'))
    const cap = idsOnly && properties.length === 0 ? MAX_IDS_ONLY : MAX_WITH_FIELDS
    let max = DEFAULT_MAX
    if (p.maxResults !== undefined && p.maxResults !== null && p.maxResults !== '') {
      const n = Number(p.maxResults)
      if (!Number.isInteger(n) || n < 0) return jiraError(400, ["The value of 'maxResults' is not valid."])
      max = n
    }
    max = Math.min(Math.max(max, 1), cap)

    let offset = 0
    if (typeof p.nextPageToken === 'string' && p.nextPageToken !== '') {
      const token = decodeCursor<{ o: number; q: string }>(p.nextPageToken)
      if (!token || typeof token.o !== 'number' || token.q !== jqlHash(jql)) {
        return jiraError(400, ['The provided next page token is invalid or expired.'])
      }
      offset = token.o
    }

    let ids: string[]
    try {
      if (jql === '') return jiraError(400, [UNBOUNDED])
      ids = db.search(jql, nowMs(), reconcile as string[])
    } catch (err) {
      if (err instanceof JqlError) return jiraError(400, [err.message])
      throw err
    }
    const page = ids.slice(offset, offset + max)
    const expand = typeof p.expand === 'string' ? p.expand.split(',').map((s) => s.trim()) : []
    const opts = {
      origin: ctx.origin,
      fields: selection,
      properties,
      names: false,
      fieldDefs: db.tenant.fields,
    }
    const issues = page.map((id) => {
      const issue = db.byId.get(id)!
      if (idOnly(selection) && properties.length === 0) return { id: issue.id }
      return renderIssue(issue, opts)
    })
    const body: Record<string, unknown> = { issues }
    const isLast = offset + page.length >= ids.length
    if (!isLast) body.nextPageToken = encodeCursor({ o: offset + page.length, q: jqlHash(jql) })
    body.isLast = isLast
    if (expand.includes('names')) {
      const names: Record<string, string> = {}
      for (const f of db.tenant.fields) if (selection.all || selection.include.has(f.id)) names[f.id] = f.name
      body.names = names
    }
    return json(200, body)
  }

  router.get(
    '/rest/api/3/search/jql',
    (ctx) =>
      search(ctx, {
        jql: ctx.query.get('jql') ?? undefined,
        nextPageToken: ctx.query.get('nextPageToken') ?? undefined,
        maxResults: ctx.query.get('maxResults') ?? undefined,
        fields: ctx.query.getAll('fields').join(',') || undefined,
        properties: ctx.query.getAll('properties').join(',') || undefined,
        expand: ctx.query.get('expand') ?? undefined,
        reconcileIssues: ctx.query.getAll('reconcileIssues').join(',') || undefined,
      }),
    'GET /rest/api/3/search/jql',
  )
  router.post(
    '/rest/api/3/search/jql',
    async (ctx) => {
      let body: unknown
      try {
        body = await ctx.json()
      } catch {
        return jiraError(400, ['Unexpected character in the request body: it is not valid JSON.'])
      }
      if (!body || typeof body !== 'object' || Array.isArray(body)) {
        return jiraError(400, ['The request body must be a JSON object.'])
      }
      return search(ctx, body as SearchParams)
    },
    'POST /rest/api/3/search/jql',
  )
  const gone = () => jiraError(410, [SEARCH_REMOVED])
  router.get('/rest/api/3/search', gone, 'GET /rest/api/3/search')
  router.post('/rest/api/3/search', gone, 'POST /rest/api/3/search')
}

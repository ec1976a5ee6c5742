import { json, type Reply, ReplyError, type RequestContext, type Router } from '../core/index.ts'
import type { JiraIssue, JiraUser } from '../state.ts'
import { adfProblem, NOT_ADF } from './adf.ts'
import type { JiraDatabase, JiraStatus } from './database.ts'
import { issueNotFound, jiraError } from './errors.ts'
import { parseFieldSelection, renderField, renderIssue, renderUser, SYSTEM_FIELDS } from './render.ts'

/** Who a request runs as (set by the auth hook). */
export interface JiraPrincipal {
  user: JiraUser
}

const PRIORITIES: Record<string, string> = { Highest: '1', High: '2', Medium: '3', Low: '4', Lowest: '5' }
const DEFAULT_ISSUE_TYPES = ['Task', 'Service Request', 'Bug', 'Story', 'Epic', 'Access Request']
/** Rich-text system fields: REST v3 takes ADF only. */
const RICH_TEXT = new Set(['description', 'environment'])
/** System fields a create may set. */
const SETTABLE = new Set([
  'project',
  'issuetype',
  'summary',
  'description',
  'environment',
  'labels',
  'priority',
  'assignee',
  'reporter',
  'duedate',
])

export function principal(ctx: RequestContext): JiraUser {
  return (ctx.auth as JiraPrincipal).user
}

function userRef(u: JiraUser, origin: string): Record<string, unknown> {
  return renderUser(u, origin)
}

function badBody(): ReplyError {
  return new ReplyError(jiraError(400, ['The request body is not valid JSON.']))
}

async function bodyOf(ctx: RequestContext): Promise<Record<string, unknown>> {
  let body: unknown
  try {
    body = await ctx.json()
  } catch {
    throw badBody()
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badBody()
  return body as Record<string, unknown>
}

/** Sets an issue's status (and resolution, which follows the done category), as a transition does. */
export function applyStatus(db: JiraDatabase, issue: JiraIssue, status: JiraStatus, origin: string): void {
  db.write(issue, (i, at) => {
    i.fields.status = db.renderStatus(status, origin)
    if (status.statusCategory.key === 'done') {
      i.fields.resolution ??= { id: '10000', name: 'Done' }
      i.fields.resolutiondate = at
    } else {
      i.fields.resolution = null
      i.fields.resolutiondate = null
    }
  })
}

/**
 * Creates an issue from a create request's `fields` as Jira validates them: a known project and issue type, a
 * summary, ADF in rich-text fields, and only fields that exist. Returns the issue or the field errors.
 */
export function createIssue(
  db: JiraDatabase,
  input: Record<string, unknown>,
  reporter: JiraUser,
  origin: string,
): { issue: JiraIssue } | { errors: Record<string, string> } {
  const errors: Record<string, string> = {}
  const fieldDefs = new Map(db.tenant.fields.map((f) => [f.id, f]))
  const p = input.project as { key?: unknown; id?: unknown } | undefined
  const project = db.tenant.projects.find((x) => x.key === p?.key || x.id === String(p?.id ?? ''))
  if (!project) errors.project = 'Specify a valid project ID or key'
  const t = input.issuetype as { name?: unknown; id?: unknown } | undefined
  const knownTypes = new Map<string, { id: string; name: string }>()
  for (const [i, name] of DEFAULT_ISSUE_TYPES.entries())
    knownTypes.set(name.toLowerCase(), { id: String(10001 + i), name })
  for (const issue of db.tenant.issues) {
    const it = issue.fields.issuetype as { id?: string; name?: string } | undefined
    if (it?.name) knownTypes.set(it.name.toLowerCase(), { id: it.id ?? it.name, name: it.name })
  }
  const type =
    typeof t?.name === 'string'
      ? knownTypes.get(t.name.toLowerCase())
      : [...knownTypes.values()].find((x) => x.id === String(t?.id ?? ''))
  if (!t) errors.issuetype = 'Specify an issue type'
  else if (!type) errors.issuetype = 'Specify a valid issue type'
  if (typeof input.summary !== 'string' || input.summary.trim() === '') {
    errors.summary = 'You must specify a summary of the issue.'
  }
  for (const [id, value] of Object.entries(input)) {
    const def = fieldDefs.get(id)
    if (!SETTABLE.has(id) && !def) {
      errors[id] = `Field '${id}' cannot be set. It is not on the appropriate screen, or unknown.`
      continue
    }
    const richText = RICH_TEXT.has(id) || /:textarea$/.test(def?.schema?.custom ?? '')
    if (richText && value !== null && adfProblem(value)) errors[id] = NOT_ADF
  }
  if (
    input.labels !== undefined &&
    !(Array.isArray(input.labels) && input.labels.every((l) => typeof l === 'string' && !/\s/.test(l)))
  ) {
    errors.labels = 'The label must not contain spaces.'
  }
  if (Object.keys(errors).length > 0 || !project || !type) return { errors }

  const initial = db.tenant.statuses.find((s) => s.statusCategory.key === 'new') ?? db.tenant.statuses[0]
  const now = db.stamp()
  const fields: Record<string, unknown> = {
    labels: [],
    resolution: null,
    resolutiondate: null,
    ...Object.fromEntries(Object.entries(input).filter(([k]) => k !== 'project' && k !== 'issuetype')),
    project: { id: project.id, key: project.key, name: project.name },
    issuetype: { id: type.id, name: type.name },
    reporter: userRef(reporter, origin),
    creator: userRef(reporter, origin),
    created: now,
    updated: now,
  }
  if (initial) fields.status = db.renderStatus(initial, origin)
  const priority = input.priority as { name?: string } | undefined
  if (priority?.name)
    fields.priority = { name: priority.name, id: PRIORITIES[priority.name] ?? priority.name }
  const issue: JiraIssue = {
    id: db.nextIssueId(),
    key: db.nextKey(project.key),
    fields,
    properties: {},
    approvals: [],
    comments: [],
  }
  db.add(issue)
  return { issue }
}

/** The platform REST v3 issue routes: create, get, transitions, comments, properties, fields and users. */
export function issueApi(router: Router, db: JiraDatabase): void {
  const find = (ctx: RequestContext): JiraIssue => {
    const issue = db.issue(ctx.params.key!)
    if (!issue) throw new ReplyError(issueNotFound())
    return issue
  }

  router.post(
    '/rest/api/3/issue',
    async (ctx) => {
      const body = await bodyOf(ctx)
      const fields = body.fields
      if (!fields || typeof fields !== 'object' || Array.isArray(fields)) {
        return jiraError(400, [], {
          project: 'Specify a valid project ID or key',
          summary: 'You must specify a summary of the issue.',
        })
      }
      // Entity properties set on create, as `[{key, value}]`.
      const properties = body.properties ?? []
      if (
        !Array.isArray(properties) ||
        !properties.every(
          (p) => p && typeof p === 'object' && typeof (p as { key?: unknown }).key === 'string',
        )
      ) {
        return jiraError(400, ["The 'properties' of an issue create must be a list of {key, value}."])
      }
      const created = createIssue(db, fields as Record<string, unknown>, principal(ctx), ctx.origin)
      if ('errors' in created) return jiraError(400, [], created.errors)
      const { issue } = created
      for (const p of properties as { key: string; value: unknown }[]) issue.properties[p.key] = p.value
      return json(201, { id: issue.id, key: issue.key, self: `${ctx.origin}/rest/api/3/issue/${issue.id}` })
    },
    'POST /rest/api/3/issue',
  )

  router.get(
    '/rest/api/3/issue/:key',
    (ctx) => {
      const issue = find(ctx)
      const fields = ctx.query
        .getAll('fields')
        .join(',')
        .split(',')
        .filter((s) => s !== '')
      const expand = (ctx.query.get('expand') ?? '').split(',')
      return json(
        200,
        renderIssue(issue, {
          origin: ctx.origin,
          fields: parseFieldSelection(fields, ['*all'], db.tenant.fields),
          properties: (ctx.query.get('properties') ?? '').split(',').filter((s) => s !== ''),
          names: expand.includes('names'),
          fieldDefs: db.tenant.fields,
        }),
      )
    },
    'GET /rest/api/3/issue/{key}',
  )

  router.get(
    '/rest/api/3/issue/:key/transitions',
    (ctx) => {
      const issue = find(ctx)
      const current = (issue.fields.status as { id?: string } | undefined)?.id
      const transitions = db.tenant.transitions
        .filter((t) => t.to !== current)
        .flatMap((t) => {
          const to = db.status(t.to)
          if (!to) return []
          return [
            {
              id: t.id,
              name: t.name,
              to: db.renderStatus(to, ctx.origin),
              hasScreen: false,
              isGlobal: true,
              isInitial: false,
              isAvailable: true,
              isConditional: false,
              isLooped: false,
            },
          ]
        })
      return json(200, { expand: 'transitions', transitions })
    },
    'GET /rest/api/3/issue/{key}/transitions',
  )

  router.post(
    '/rest/api/3/issue/:key/transitions',
    async (ctx) => {
      const issue = find(ctx)
      const body = await bodyOf(ctx)
      const id = (body.transition as { id?: unknown } | undefined)?.id
      if (id === undefined) return jiraError(400, ["Missing 'transition' identifier"])
      const t = db.tenant.transitions.find((x) => x.id === String(id))
      const to = t && db.status(t.to)
      if (!t || !to) return jiraError(400, [`Transition id '${id}' is not valid for this issue.`])
      applyStatus(db, issue, to, ctx.origin)
      return { status: 204 }
    },
    'POST /rest/api/3/issue/{key}/transitions',
  )

  const renderComment = (issue: JiraIssue, c: JiraIssue['comments'][number], origin: string) => ({
    self: `${origin}/rest/api/3/issue/${issue.id}/comment/${c.id}`,
    id: c.id,
    author: userRef(c.author, origin),
    body: c.body,
    updateAuthor: userRef(c.author, origin),
    created: c.created,
    updated: c.created,
    jsdPublic: true,
  })

  router.post(
    '/rest/api/3/issue/:key/comment',
    async (ctx) => {
      const issue = find(ctx)
      const body = await bodyOf(ctx)
      if (body.body === undefined || body.body === '')
        return jiraError(400, [], { comment: 'Comment body can not be empty!' })
      if (adfProblem(body.body)) return jiraError(400, [], { comment: NOT_ADF })
      const comment = {
        id: String(10000 + db.tenant.issues.reduce((n, i) => n + i.comments.length, 0)),
        author: principal(ctx),
        body: body.body,
        created: '',
      }
      db.write(issue, (i, at) => {
        comment.created = at
        i.comments.push(comment)
      })
      return json(201, renderComment(issue, comment, ctx.origin))
    },
    'POST /rest/api/3/issue/{key}/comment',
  )

  router.get(
    '/rest/api/3/issue/:key/comment',
    (ctx) => {
      const issue = find(ctx)
      const comments = issue.comments.map((c) => renderComment(issue, c, ctx.origin))
      return json(200, { startAt: 0, maxResults: comments.length, total: comments.length, comments })
    },
    'GET /rest/api/3/issue/{key}/comment',
  )

  router.get(
    '/rest/api/3/issue/:key/properties',
    (ctx) => {
      const issue = find(ctx)
      const keys = Object.keys(issue.properties).map((key) => ({
        self: `${ctx.origin}/rest/api/3/issue/${issue.id}/properties/${encodeURIComponent(key)}`,
        key,
      }))
      return json(200, { keys })
    },
    'GET /rest/api/3/issue/{key}/properties',
  )

  router.get(
    '/rest/api/3/issue/:key/properties/:property',
    (ctx) => {
      const issue = find(ctx)
      const key = ctx.params.property!
      if (!Object.hasOwn(issue.properties, key)) {
        return jiraError(404, [`The property with key '${key}' does not exist.`])
      }
      return json(200, { key, value: issue.properties[key] })
    },
    'GET /rest/api/3/issue/{key}/properties/{propertyKey}',
  )

  router.add(
    'PUT',
    '/rest/api/3/issue/:key/properties/:property',
    async (ctx): Promise<Reply> => {
      const issue = find(ctx)
      const key = ctx.params.property!
      const raw = (await ctx.body()).toString('utf8')
      let value: unknown
      try {
        value = JSON.parse(raw)
      } catch {
        return jiraError(400, ['The property value must be valid JSON.'])
      }
      const existed = Object.hasOwn(issue.properties, key)
      // A property is not a field: setting one does not change `updated`, but it is indexed like any write.
      db.write(
        issue,
        (i) => {
          i.properties[key] = value
        },
        false,
      )
      return { status: existed ? 200 : 201 }
    },
    'PUT /rest/api/3/issue/{key}/properties/{propertyKey}',
  )

  router.get(
    '/rest/api/3/field',
    () => {
      const custom = new Set(db.tenant.fields.map((f) => f.id))
      return json(
        200,
        [...SYSTEM_FIELDS.filter((f) => !custom.has(f.id)), ...db.tenant.fields].map(renderField),
      )
    },
    'GET /rest/api/3/field',
  )

  router.get(
    '/rest/api/3/myself',
    (ctx) => json(200, renderUser(principal(ctx), ctx.origin)),
    'GET /rest/api/3/myself',
  )

  router.get(
    '/rest/api/3/user',
    (ctx) => {
      const accountId = ctx.query.get('accountId')
      if (!accountId) return jiraError(400, ["The query parameter 'accountId' is required."])
      const user = db.users.get(accountId)
      if (!user)
        return jiraError(404, ['Specified user does not exist or you do not have required permissions'])
      return json(200, renderUser(user, ctx.origin))
    },
    'GET /rest/api/3/user',
  )
}

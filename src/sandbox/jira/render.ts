import type { JiraField, JiraIssue, JiraUser } from '../state.ts'

/**
 * Which fields a request asked for: ids, `*all`, `*navigable` (every field the sandbox has: all are navigable),
 * `-id` to leave one out. Custom fields may be named by display name too.
 */
export interface FieldSelection {
  all: boolean
  include: Set<string>
  exclude: Set<string>
}

export function parseFieldSelection(
  items: string[] | undefined,
  fallback: string[],
  fields: JiraField[],
): FieldSelection {
  const byName = new Map(fields.map((f) => [f.name.toLowerCase(), f.id]))
  const sel: FieldSelection = { all: false, include: new Set(), exclude: new Set() }
  const list = items && items.length > 0 ? items : fallback
  for (const raw of list) {
    const item = raw.trim()
    if (item === '') continue
    if (item === '*all' || item === '*navigable') sel.all = true
    else if (item.startsWith('-')) sel.exclude.add(byName.get(item.slice(1).toLowerCase()) ?? item.slice(1))
    else sel.include.add(byName.get(item.toLowerCase()) ?? item)
  }
  return sel
}

/** True when a selection asks for nothing but the id (the search default): issues render as `{id}`. */
export function idOnly(sel: FieldSelection): boolean {
  return !sel.all && [...sel.include].every((f) => f === 'id')
}

export interface IssueRenderOptions {
  origin: string
  fields: FieldSelection
  /** Issue property keys to include (up to 5 on search). */
  properties: string[]
  names: boolean
  fieldDefs: JiraField[]
}

export function renderIssue(issue: JiraIssue, opts: IssueRenderOptions): Record<string, unknown> {
  const fields: Record<string, unknown> = {}
  for (const [id, value] of Object.entries(issue.fields)) {
    if (opts.fields.exclude.has(id)) continue
    if (opts.fields.all || opts.fields.include.has(id)) fields[id] = value
  }
  const out: Record<string, unknown> = {
    expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
    id: issue.id,
    self: `${opts.origin}/rest/api/3/issue/${issue.id}`,
    key: issue.key,
    fields,
  }
  if (opts.properties.length > 0) {
    const props: Record<string, unknown> = {}
    for (const k of opts.properties) if (k in issue.properties) props[k] = issue.properties[k]
    out.properties = props
  }
  if (opts.names) {
    const names: Record<string, string> = {}
    for (const id of Object.keys(fields)) names[id] = opts.fieldDefs.find((f) => f.id === id)?.name ?? id
    out.names = names
  }
  return out
}

/** A user as the platform REST API renders one; `emailAddress` only when the user lets it show. */
export function renderUser(u: JiraUser, origin: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    self: `${origin}/rest/api/3/user?accountId=${encodeURIComponent(u.accountId)}`,
    accountId: u.accountId,
    accountType: u.accountType,
  }
  if (u.emailAddress !== undefined) out.emailAddress = u.emailAddress
  Object.assign(out, {
    avatarUrls: { '48x48': `${origin}/avatar/${u.accountId}.png` },
    displayName: u.displayName,
    active: u.active,
    timeZone: 'UTC',
    locale: 'en_US',
  })
  return out
}

/** The system fields every site has, for `/rest/api/3/field` beside the site's custom fields. */
export const SYSTEM_FIELDS: JiraField[] = [
  { id: 'summary', name: 'Summary', custom: false, schema: { type: 'string' } },
  { id: 'description', name: 'Description', custom: false, schema: { type: 'string' } },
  { id: 'project', name: 'Project', custom: false, schema: { type: 'project' } },
  { id: 'issuetype', name: 'Issue Type', custom: false, schema: { type: 'issuetype' } },
  { id: 'status', name: 'Status', custom: false, schema: { type: 'status' } },
  { id: 'labels', name: 'Labels', custom: false, schema: { type: 'array', items: 'string' } },
  { id: 'priority', name: 'Priority', custom: false, schema: { type: 'priority' } },
  { id: 'reporter', name: 'Reporter', custom: false, schema: { type: 'user' } },
  { id: 'assignee', name: 'Assignee', custom: false, schema: { type: 'user' } },
  { id: 'created', name: 'Created', custom: false, schema: { type: 'datetime' } },
  { id: 'updated', name: 'Updated', custom: false, schema: { type: 'datetime' } },
  { id: 'resolution', name: 'Resolution', custom: false, schema: { type: 'resolution' } },
  { id: 'resolutiondate', name: 'Resolved', custom: false, schema: { type: 'datetime' } },
  { id: 'duedate', name: 'Due date', custom: false, schema: { type: 'date' } },
  { id: 'environment', name: 'Environment', custom: false, schema: { type: 'string' } },
]

export function renderField(f: JiraField): Record<string, unknown> {
  const clauseNames = f.custom ? [`cf[${f.id.replace('customfield_', '')}]`, f.name] : [f.id]
  const out: Record<string, unknown> = {
    id: f.id,
    key: f.id,
    name: f.name,
    untranslatedName: f.name,
    custom: f.custom,
    orderable: true,
    navigable: true,
    searchable: true,
    clauseNames,
  }
  if (f.schema) {
    out.schema = { ...f.schema }
    if (f.custom && f.schema.customId === undefined) {
      ;(out.schema as Record<string, unknown>).customId = Number(f.id.replace('customfield_', ''))
    }
  }
  return out
}

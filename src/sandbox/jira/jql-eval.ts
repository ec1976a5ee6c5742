import type { JiraField } from '../state.ts'
import { parseJiraDateTime, parseJqlDate } from './dates.ts'
import { JqlError, type JqlExpr, type JqlOperator, type JqlQuery } from './jql.ts'

/** What JQL sees of an issue: its fields and properties as of the search index. */
export interface IssueView {
  id: string
  key: string
  fields: Record<string, unknown>
  properties: Record<string, unknown>
}

/**
 * How a field behaves in JQL: `text` fields take only `~`/`!~`/IS (as on Jira), `date` and `number` and `key`
 * fields compare with `<`/`>`; `choice` (status, project, options, users...) take `=`/`IN`; `any` is lenient
 * (issue properties, custom fields without a schema).
 */
type Kind = 'text' | 'date' | 'number' | 'key' | 'choice' | 'any'

interface Accessor {
  /** The name as written in the query (for messages). */
  name: string
  kind: Kind
  values(issue: IssueView): string[]
}

export interface JqlEnv {
  fields: JiraField[]
  nowMs: number
}

export interface CompiledJql {
  matches(issue: IssueView): boolean
  compare(a: IssueView, b: IssueView): number
  /** Sorts in the query's order, computing each issue's sort keys once (dates are parsed once, not per compare). */
  sort(issues: IssueView[]): IssueView[]
  /** True when the query uses relative dates: its result moves with the clock. */
  volatile: boolean
}

/** Flattens a field value to the strings JQL compares: options by value, users by accountId, objects by name/key. */
export function flatten(v: unknown): string[] {
  if (v === null || v === undefined || v === '') return []
  if (Array.isArray(v)) return v.flatMap(flatten)
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>
    const out: string[] = []
    for (const k of ['value', 'accountId', 'key', 'name', 'id'])
      if (typeof o[k] === 'string') out.push(o[k] as string)
    return out
  }
  return [String(v)]
}

function pick(path: string[]): (issue: IssueView) => string[] {
  return (issue) => {
    let v: unknown = issue.fields[path[0]!]
    if (path.length === 1) return flatten(v)
    for (const p of path.slice(1))
      v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined
    return flatten(v)
  }
}

function objectValues(id: string, keys: string[]): (issue: IssueView) => string[] {
  return (issue) => {
    const o = issue.fields[id] as Record<string, unknown> | null | undefined
    if (!o || typeof o !== 'object') return []
    return keys.flatMap((k) => (o[k] === undefined || o[k] === null ? [] : [String(o[k])]))
  }
}

const SYSTEM: Record<string, { kind: Kind; values: (issue: IssueView) => string[] }> = {
  project: { kind: 'choice', values: objectValues('project', ['key', 'id', 'name']) },
  issuetype: { kind: 'choice', values: objectValues('issuetype', ['name', 'id']) },
  status: { kind: 'choice', values: objectValues('status', ['name', 'id']) },
  statuscategory: {
    kind: 'choice',
    values: (issue) => {
      const c = (issue.fields.status as { statusCategory?: Record<string, unknown> } | undefined)
        ?.statusCategory
      return c ? ['key', 'name', 'id'].flatMap((k) => (c[k] === undefined ? [] : [String(c[k])])) : []
    },
  },
  labels: { kind: 'choice', values: pick(['labels']) },
  key: { kind: 'key', values: (issue) => [issue.key] },
  id: { kind: 'key', values: (issue) => [issue.key] },
  summary: { kind: 'text', values: pick(['summary']) },
  description: { kind: 'text', values: (issue) => [adfText(issue.fields.description)] },
  updated: { kind: 'date', values: pick(['updated']) },
  created: { kind: 'date', values: pick(['created']) },
  resolutiondate: { kind: 'date', values: pick(['resolutiondate']) },
  duedate: { kind: 'date', values: pick(['duedate']) },
  reporter: { kind: 'choice', values: objectValues('reporter', ['accountId']) },
  assignee: { kind: 'choice', values: objectValues('assignee', ['accountId']) },
  creator: { kind: 'choice', values: objectValues('creator', ['accountId']) },
  priority: { kind: 'choice', values: objectValues('priority', ['name', 'id']) },
  resolution: { kind: 'choice', values: objectValues('resolution', ['name', 'id']) },
}
const ALIASES: Record<string, string> = {
  type: 'issuetype',
  category: 'statuscategory',
  issuekey: 'key',
  updateddate: 'updated',
  createddate: 'created',
  resolved: 'resolutiondate',
  due: 'duedate',
}

function adfText(v: unknown): string {
  if (typeof v === 'string') return v
  if (!v || typeof v !== 'object') return ''
  const node = v as { text?: unknown; content?: unknown }
  const own = typeof node.text === 'string' ? node.text : ''
  const kids = Array.isArray(node.content) ? node.content.map(adfText).join(' ') : ''
  return `${own} ${kids}`.trim()
}

function customKind(f: JiraField): Kind {
  const t = f.schema?.type
  const custom = f.schema?.custom ?? ''
  if (t === 'date' || t === 'datetime') return 'date'
  if (t === 'number') return 'number'
  if (/:(textfield|textarea)$/.test(custom)) return 'text'
  if (t === 'option' || t === 'user' || t === 'array') return 'choice'
  return 'any'
}

function notFound(name: string): never {
  throw new JqlError(`Field '${name}' does not exist or you do not have permission to view it.`)
}

function resolveField(name: string, fields: JiraField[]): Accessor {
  const lower = name.toLowerCase()
  const prop = /^issue\.property\[([^\]]+)\](?:\.(.+))?$/i.exec(name)
  if (prop) {
    const key = prop[1]!.trim()
    const path = prop[2] ? prop[2].split('.') : []
    return {
      name,
      kind: 'any',
      values: (issue) => {
        let v: unknown = issue.properties[key]
        for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined
        return flatten(v)
      },
    }
  }
  const cf = /^cf\[(\d+)\]$/i.exec(name)
  const id = cf ? `customfield_${cf[1]}` : /^customfield_\d+$/i.test(name) ? lower : undefined
  const system = SYSTEM[ALIASES[lower] ?? lower]
  if (!id && system) return { name, ...system }
  const field = id
    ? fields.find((f) => f.id === id)
    : fields.find((f) => f.custom && f.name.toLowerCase() === lower)
  if (!field) notFound(name)
  return { name, kind: customKind(field), values: pick([field.id]) }
}

const COMPARISON = new Set<JqlOperator>(['>', '>=', '<', '<='])

function unsupported(op: string, name: string): never {
  throw new JqlError(`The operator '${op}' is not supported by the '${name}' field.`)
}

function keyParts(key: string): [string, number] {
  const dash = key.lastIndexOf('-')
  return [key.slice(0, dash).toUpperCase(), Number(key.slice(dash + 1))]
}

function compileClause(
  c: Extract<JqlExpr, { kind: 'clause' }>,
  env: JqlEnv,
  flags: { volatile: boolean },
): (issue: IssueView) => boolean {
  const acc = resolveField(c.field, env.fields)
  const { op, value } = c
  if (op === 'IS' || op === 'IS NOT') {
    const want = op === 'IS'
    return (issue) => (acc.values(issue).length === 0) === want
  }
  if (value.kind === 'empty') {
    if (op !== '=' && op !== '!=') unsupported(op, acc.name)
    const want = op === '='
    return (issue) => (acc.values(issue).length === 0) === want
  }
  if ((op === '~' || op === '!~') && (acc.kind === 'choice' || acc.kind === 'date' || acc.kind === 'key')) {
    unsupported(op, acc.name)
  }
  if (acc.kind === 'text' && op !== '~' && op !== '!~') unsupported(op, acc.name)
  if (
    COMPARISON.has(op) &&
    acc.kind !== 'date' &&
    acc.kind !== 'number' &&
    acc.kind !== 'key' &&
    acc.kind !== 'any'
  ) {
    unsupported(op, acc.name)
  }

  const literals = value.kind === 'list' ? value.items : [value.text]
  const negative = op === '!=' || op === 'NOT IN' || op === '!~'
  let test: (v: string) => boolean

  if (op === '~' || op === '!~') {
    const needle = literals[0]!.replace(/\*/g, '').toLowerCase()
    test = (v) => v.toLowerCase().includes(needle)
  } else if (acc.kind === 'date') {
    const times = literals.map((l) => {
      const d = parseJqlDate(l, env.nowMs)
      if (!d) {
        throw new JqlError(
          `Date value '${l}' for field '${acc.name}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', ` +
            `'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.`,
        )
      }
      if (d.relative) flags.volatile = true
      return d.ms
    })
    const cmp = dateTest(op, times)
    test = (v) => cmp(parseJiraDateTime(v))
  } else if (acc.kind === 'key' && COMPARISON.has(op)) {
    const [project, n] = keyParts(literals[0]!)
    test = (v) => {
      const [p, m] = keyParts(v)
      return p === project && numberTest(op, m, n)
    }
  } else if (COMPARISON.has(op)) {
    const n = Number(literals[0])
    test = (v) => v !== '' && !Number.isNaN(Number(v)) && numberTest(op, Number(v), n)
  } else {
    const wanted = new Set(literals.map((l) => l.toLowerCase()))
    test = (v) => wanted.has(v.toLowerCase())
  }
  // Negative operators never match an empty field, as on Jira (`labels != x` leaves out unlabelled issues).
  if (negative) {
    return (issue) => {
      const vs = acc.values(issue)
      return vs.length > 0 && !vs.some(test)
    }
  }
  return (issue) => acc.values(issue).some(test)
}

function numberTest(op: JqlOperator, a: number, b: number): boolean {
  switch (op) {
    case '>':
      return a > b
    case '>=':
      return a >= b
    case '<':
      return a < b
    case '<=':
      return a <= b
    default:
      return a === b
  }
}

function dateTest(op: JqlOperator, times: number[]): (t: number) => boolean {
  if (op === '=' || op === 'IN' || op === '!=' || op === 'NOT IN') return (t) => times.includes(t)
  return (t) => !Number.isNaN(t) && numberTest(op, t, times[0]!)
}

function compileExpr(e: JqlExpr, env: JqlEnv, flags: { volatile: boolean }): (issue: IssueView) => boolean {
  switch (e.kind) {
    case 'and': {
      const items = e.items.map((i) => compileExpr(i, env, flags))
      return (issue) => items.every((f) => f(issue))
    }
    case 'or': {
      const items = e.items.map((i) => compileExpr(i, env, flags))
      return (issue) => items.some((f) => f(issue))
    }
    case 'not': {
      const item = compileExpr(e.item, env, flags)
      return (issue) => !item(issue)
    }
    case 'clause':
      return compileClause(e, env, flags)
  }
}

function sortKey(acc: Accessor): (issue: IssueView) => string | number | undefined {
  return (issue) => {
    const v = acc.values(issue)[0]
    if (v === undefined) return undefined
    if (acc.kind === 'date') return parseJiraDateTime(v)
    if (acc.kind === 'number') return Number(v)
    if (acc.kind === 'key') {
      const [p, n] = keyParts(v)
      return `${p}-${String(n).padStart(12, '0')}`
    }
    return v.toLowerCase()
  }
}

/**
 * Compiles a parsed query against the site's fields. Throws JqlError (Jira's 400) for unknown fields, operators
 * a field does not support, and dates in no accepted format. Without ORDER BY, issues come newest first
 * (`created DESC, key DESC`).
 */
export function compileJql(q: JqlQuery, env: JqlEnv): CompiledJql {
  const flags = { volatile: false }
  const matches = q.where ? compileExpr(q.where, env, flags) : () => true
  const order = q.orderBy.length > 0 ? q.orderBy : [{ field: 'created', desc: true }]
  const keys = [...order, { field: 'key', desc: order.at(-1)!.desc }].map((o) => ({
    get: sortKey(resolveField(o.field, env.fields)),
    sign: o.desc ? -1 : 1,
  }))
  type Key = string | number | undefined
  const compareKeys = (xs: Key[], ys: Key[]): number => {
    for (let i = 0; i < keys.length; i++) {
      const x = xs[i]
      const y = ys[i]
      if (x === y) continue
      const sign = keys[i]!.sign
      // Empty values sort last ascending, first descending.
      if (x === undefined) return sign
      if (y === undefined) return -sign
      return (x < y ? -1 : 1) * sign
    }
    return 0
  }
  const keysOf = (issue: IssueView): Key[] => keys.map((k) => k.get(issue))
  const compare = (a: IssueView, b: IssueView): number => compareKeys(keysOf(a), keysOf(b))
  const sort = (issues: IssueView[]): IssueView[] =>
    issues
      .map((issue) => ({ issue, k: keysOf(issue) }))
      .sort((a, b) => compareKeys(a.k, b.k))
      .map((d) => d.issue)
  return { matches, compare, sort, volatile: flags.volatile }
}

import type { SnCondition, SnOperator, SnQuery } from './encoded-query.ts'

/** A record as stored by the simulator: every value a string, references hold the target's sys_id. */
export type SnRow = Record<string, string>

/** Reads one (possibly dot-walked) field of a row; "" when empty or when a reference in the walk is empty. */
export type FieldGetter = (row: SnRow) => string

/** Resolves a field name on a table to a getter, or undefined when the table has no such field. */
export type FieldResolver = (field: string) => FieldGetter | undefined

export interface QueryContext {
  /** sys_id of the authenticated user, for `javascript:gs.getUserID()`. */
  userSysId: string
  /** Now in `yyyy-MM-dd HH:mm:ss` UTC, for `javascript:gs.nowDateTime()`. */
  nowText: string
}

export interface CompiledQuery {
  matches: (row: SnRow) => boolean
  /** undefined when the query has no (known) sort keys: the table's own order is kept. */
  compare: ((a: SnRow, b: SnRow) => number) | undefined
  /** Sorts rows in place by the query's keys, reading each row's keys once (dot-walks are not free). */
  sort: (rows: SnRow[]) => void
}

/** A sort key read once: its text, and its number when it is numeric (compareValues' rule, precomputed). */
interface SortKey {
  s: string
  n: number | undefined
}

function sortKey(s: string): SortKey {
  return { s, n: NUMERIC.test(s) ? Number(s) : undefined }
}

function compareKeys(x: SortKey, y: SortKey): number {
  if (x.n !== undefined && y.n !== undefined) return x.n - y.n
  return x.s < y.s ? -1 : x.s > y.s ? 1 : 0
}

const NUMERIC = /^-?\d+(\.\d+)?$/
const DATE_GENERATE =
  /^javascript:\s*gs\.dateGenerate\(\s*'(\d{4}-\d{2}-\d{2})'\s*,\s*'(\d{2}:\d{2}:\d{2})'\s*\)$/

/** Both numeric: by number; otherwise by code unit (which orders `yyyy-MM-dd HH:mm:ss` and hex sys_ids right). */
export function compareValues(a: string, b: string): number {
  if (NUMERIC.test(a) && NUMERIC.test(b)) return Number(a) - Number(b)
  return a < b ? -1 : a > b ? 1 : 0
}

/** The literal a `javascript:` value stands for, or undefined when the sandbox does not evaluate that script. */
function resolveValue(value: string, ctx: QueryContext): string | undefined {
  if (!value.startsWith('javascript:')) return value
  const date = DATE_GENERATE.exec(value)
  if (date) return `${date[1]} ${date[2]}`
  const script = value.slice('javascript:'.length).replace(/\s+/g, '')
  if (script === 'gs.getUserID()') return ctx.userSysId
  if (script === 'gs.nowDateTime()') return ctx.nowText
  return undefined
}

function test(op: SnOperator, actual: string, expected: string, list: ReadonlySet<string>): boolean {
  switch (op) {
    case '=':
      return actual === expected
    case '!=':
      return actual !== expected
    case '>':
      return actual !== '' && compareValues(actual, expected) > 0
    case '>=':
      return actual !== '' && compareValues(actual, expected) >= 0
    case '<':
      return actual !== '' && compareValues(actual, expected) < 0
    case '<=':
      return actual !== '' && compareValues(actual, expected) <= 0
    case 'IN':
      return list.has(actual)
    case 'NOT IN':
      return !list.has(actual)
    case 'STARTSWITH':
      return actual.startsWith(expected)
    case 'ENDSWITH':
      return actual.endsWith(expected)
    case 'LIKE':
      return actual.toLowerCase().includes(expected.toLowerCase())
    case 'NOT LIKE':
      return !actual.toLowerCase().includes(expected.toLowerCase())
    case 'ISEMPTY':
      return actual === ''
    case 'ISNOTEMPTY':
      return actual !== ''
    case 'ANYTHING':
      return true
  }
}

function compileCondition(
  c: SnCondition,
  resolve: FieldResolver,
  ctx: QueryContext,
): ((row: SnRow) => boolean) | undefined {
  const get = resolve(c.field)
  if (!get) return undefined // unknown field: silently ignored, as the real instance does
  const expected = resolveValue(c.value, ctx)
  if (expected === undefined) return undefined
  const list = new Set(c.op === 'IN' || c.op === 'NOT IN' ? expected.split(',') : [])
  return (row) => test(c.op, get(row), expected, list)
}

/**
 * Compiles a parsed query against a table once, so a listing of 200k rows costs one closure call per condition
 * per row. Conditions on unknown fields and terms left empty by them drop out (so they widen the result, as on
 * a real instance).
 */
export function compileQuery(query: SnQuery, resolve: FieldResolver, ctx: QueryContext): CompiledQuery {
  const branches: ((row: SnRow) => boolean)[][][] = []
  let anyBranchEmpty = query.branches.length === 0
  for (const branch of query.branches) {
    const terms: ((row: SnRow) => boolean)[][] = []
    for (const term of branch) {
      const alternatives = term.map((c) => compileCondition(c, resolve, ctx))
      // An OR term with an ignored alternative: the ignored part drops, the rest stays.
      const kept = alternatives.filter((a) => a !== undefined)
      if (kept.length > 0) terms.push(kept)
    }
    if (terms.length === 0) anyBranchEmpty = true
    branches.push(terms)
  }
  const matches = anyBranchEmpty
    ? () => true
    : (row: SnRow) => branches.some((terms) => terms.every((alts) => alts.some((f) => f(row))))

  const keys = query.orderBy.flatMap((k) => {
    const get = resolve(k.field)
    return get ? [{ get, sign: k.desc ? -1 : 1 }] : []
  })
  const compare =
    keys.length === 0
      ? undefined
      : (a: SnRow, b: SnRow) => {
          for (const k of keys) {
            const d = compareValues(k.get(a), k.get(b))
            if (d !== 0) return d * k.sign
          }
          return 0
        }
  const sort = (rows: SnRow[]) => {
    if (keys.length === 0) return
    const decorated = rows.map((row) => ({ row, k: keys.map((key) => sortKey(key.get(row))) }))
    decorated.sort((a, b) => {
      for (let i = 0; i < keys.length; i++) {
        const d = compareKeys(a.k[i]!, b.k[i]!)
        if (d !== 0) return d * keys[i]!.sign
      }
      return 0
    })
    for (let i = 0; i < rows.length; i++) rows[i] = decorated[i]!.row
  }
  return { matches, compare, sort }
}

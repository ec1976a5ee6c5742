import { invalidFilter, invalidSearch } from './errors.ts'

/**
 * Okta's SCIM-like expressions for `search` and `filter`: `attr op "value"` with eq, sw, co, gt, ge, lt, le,
 * `pr`, joined by and/or with parentheses. Which attributes and operators are allowed depends on the endpoint and
 * on search versus filter, as in Okta (e.g. users' `filter` allows eq everywhere but ranges only on lastUpdated,
 * and no `ne` anywhere). Timestamps compare as instants, other values as case-insensitive strings (eq, sw, co).
 */

export type Predicate = (o: Record<string, unknown>) => boolean

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/

export interface ExpressionRules {
  /** search or filter: which error to answer with. */
  kind: 'search' | 'filter'
  /** May this attribute be used with this operator? */
  allows(attr: string, op: string): boolean
}

type Tok = { t: 'word' | 'str' | 'paren'; v: string }

function tokenize(src: string, fail: (d: string) => never): Tok[] {
  const out: Tok[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i]!
    if (c === ' ' || c === '\t') i++
    else if (c === '(' || c === ')') {
      out.push({ t: 'paren', v: c })
      i++
    } else if (c === '"') {
      let v = ''
      i++
      while (i < src.length && src[i] !== '"') {
        if (src[i] === '\\' && i + 1 < src.length) i++
        v += src[i++]
      }
      if (i >= src.length) fail(`Unterminated string in ${src}`)
      i++
      out.push({ t: 'str', v })
    } else {
      const m = /^[^\s()"]+/.exec(src.slice(i))!
      out.push({ t: 'word', v: m[0] })
      i += m[0].length
    }
  }
  return out
}

/** Reads a dotted attribute (`profile.login`, `type.id`) from an object. */
export function readPath(o: Record<string, unknown>, path: string): unknown {
  let cur: unknown = o
  const parts = path.split('.')
  for (let i = 0; i < parts.length; i++) {
    if (cur === null || typeof cur !== 'object') return undefined
    // Through an array (a log event's `target`): the values of every element.
    if (Array.isArray(cur)) {
      const rest = parts.slice(i).join('.')
      return cur.map((x) => readPath(x as Record<string, unknown>, rest))
    }
    cur = (cur as Record<string, unknown>)[parts[i]!]
  }
  return cur
}

export function compileExpression(src: string, rules: ExpressionRules): Predicate {
  const fail = rules.kind === 'search' ? invalidSearch : invalidFilter
  const toks = tokenize(src, fail)
  let pos = 0
  const comparison = (): Predicate => {
    const t = toks[pos++]
    if (!t) fail(`Unexpected end of expression: ${src}`)
    if (t.t === 'paren' && t.v === '(') {
      const inner = orExpr()
      if (toks[pos++]?.v !== ')') fail(`Missing ')' in ${src}`)
      return inner
    }
    if (t.t !== 'word') fail(`Unexpected ${t.v} in ${src}`)
    const attr = t.v
    const op = toks[pos++]?.v?.toLowerCase()
    if (!op) fail(`Missing operator after ${attr}`)
    if (!['eq', 'sw', 'co', 'gt', 'ge', 'lt', 'le', 'pr'].includes(op))
      fail(`Unsupported operator ${op} in ${src}`)
    if (!rules.allows(attr, op)) fail(`Operator ${op} is not supported for attribute ${attr}`)
    if (op === 'pr') return (o) => readPath(o, attr) !== undefined && readPath(o, attr) !== null
    const v = toks[pos++]
    if (!v) fail(`Missing value after ${attr} ${op}`)
    const value =
      v.t === 'str' ? v.v : v.v === 'true' || v.v === 'false' ? v.v : fail(`Value must be quoted: ${v.v}`)
    const lower = value.toLowerCase()
    const test = (raw: unknown): boolean => {
      if (Array.isArray(raw)) return raw.some(test)
      if (raw === undefined || raw === null) return false
      const s = String(raw)
      switch (op) {
        case 'eq':
          return s.toLowerCase() === lower
        case 'sw':
          return s.toLowerCase().startsWith(lower)
        case 'co':
          return s.toLowerCase().includes(lower)
        default: {
          // Timestamps compare as instants (`…00Z` and `…00.000Z` are the same time), anything else as strings.
          const [a, b] = ISO.test(s) && ISO.test(value) ? [Date.parse(s), Date.parse(value)] : [s, value]
          if (op === 'gt') return a > b
          if (op === 'ge') return a >= b
          if (op === 'lt') return a < b
          return a <= b
        }
      }
    }
    return (o) => test(readPath(o, attr))
  }
  const andExpr = (): Predicate => {
    let left = comparison()
    while (toks[pos]?.t === 'word' && toks[pos]!.v.toLowerCase() === 'and') {
      pos++
      const l = left
      const r = comparison()
      left = (o) => l(o) && r(o)
    }
    return left
  }
  const orExpr = (): Predicate => {
    let left = andExpr()
    while (toks[pos]?.t === 'word' && toks[pos]!.v.toLowerCase() === 'or') {
      pos++
      const l = left
      const r = andExpr()
      left = (o) => l(o) || r(o)
    }
    return left
  }
  const pred = orExpr()
  if (pos !== toks.length) fail(`Unexpected ${toks[pos]!.v} in ${src}`)
  return pred
}

const RANGE = new Set(['gt', 'ge', 'lt', 'le'])

/** Users `search`: any top-level or profile attribute; co only on names, email and login. */
export const userSearchRules: ExpressionRules = {
  kind: 'search',
  allows: (attr, op) => {
    if (op === 'co')
      return ['profile.firstName', 'profile.lastName', 'profile.email', 'profile.login'].includes(attr)
    return true
  },
}

/** Users `filter`: a fixed attribute list; eq, and ranges on lastUpdated only. */
export const userFilterRules: ExpressionRules = {
  kind: 'filter',
  allows: (attr, op) => {
    const ok = [
      'status',
      'lastUpdated',
      'id',
      'profile.login',
      'profile.email',
      'profile.firstName',
      'profile.lastName',
    ]
    if (!ok.includes(attr)) return false
    return op === 'eq' || (RANGE.has(op) && attr === 'lastUpdated')
  },
}

export const groupFilterRules: ExpressionRules = {
  kind: 'filter',
  allows: (attr, op) => {
    if (attr === 'id' || attr === 'type') return op === 'eq'
    if (attr === 'lastUpdated' || attr === 'lastMembershipUpdated') return op === 'eq' || RANGE.has(op)
    return false
  },
}

export const groupSearchRules: ExpressionRules = { kind: 'search', allows: () => true }

export const appFilterRules: ExpressionRules = {
  kind: 'filter',
  allows: (attr, op) => op === 'eq' && ['id', 'status', 'name', 'credentials.signing.kid'].includes(attr),
}

export const logFilterRules: ExpressionRules = {
  kind: 'filter',
  allows: (attr) => attr !== 'published',
}

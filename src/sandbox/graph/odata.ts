import { badRequest, unsupportedQuery } from './errors.ts'

/**
 * The OData query options the simulator understands: `$select`, `$top`, `$filter` (eq, ne, gt, ge, lt, le,
 * startswith, endswith, in, `any` over string collections, and/or/not, parentheses), `$count`. Unknown properties
 * answer 400 as Graph does.
 */

export type Obj = Record<string, unknown>

/** `$select` as a list, or null when absent. Unknown properties are refused with Graph's message. */
export function parseSelect(raw: string | null, type: string, known: ReadonlySet<string>): string[] | null {
  if (raw === null || raw.trim() === '') return null
  const props = raw.split(',').map((s) => s.trim())
  for (const p of props) {
    if (!known.has(p)) badRequest(`Could not find a property named '${p}' on type 'microsoft.graph.${type}'.`)
  }
  return props
}

/** Projects an object to the selected properties (id always kept), or to the default set. */
export function project(obj: Obj, select: string[] | null, defaults: readonly string[] | null): Obj {
  const keys = select ?? defaults
  if (!keys) return obj
  const out: Obj = { id: obj.id }
  for (const k of keys) out[k] = obj[k] ?? null
  return out
}

export function parseTop(raw: string | null, fallback: number): number {
  if (raw === null) return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1 || n > 999) {
    badRequest(`Invalid page size specified: '${raw}'. Must be between 1 and 999 inclusive.`)
  }
  return n
}

// ------------------------------------------------------------------------------------------------ $filter

type Token = { t: 'id' | 'str' | 'num' | 'op' | 'punct'; v: string }

function tokenize(src: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i]!
    if (c === ' ') {
      i++
    } else if (c === "'") {
      let v = ''
      i++
      for (;;) {
        if (i >= src.length) badRequest(`Invalid filter clause: unterminated string literal in '${src}'.`)
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            v += "'"
            i += 2
            continue
          }
          i++
          break
        }
        v += src[i++]
      }
      out.push({ t: 'str', v })
    } else if ('(),:'.includes(c)) {
      out.push({ t: 'punct', v: c })
      i++
    } else if (/^\d{4}-\d{2}-\d{2}T/.test(src.slice(i))) {
      // A DateTimeOffset literal (unquoted in OData): 2025-01-01T00:00:00Z, with fractions or an offset.
      const m = /^\d{4}-\d{2}-\d{2}T[0-9:.]+(Z|[+-]\d{2}:\d{2})?/.exec(src.slice(i))!
      out.push({ t: 'id', v: m[0] })
      i += m[0].length
    } else {
      const m = /^[A-Za-z0-9_./@$-]+/.exec(src.slice(i))
      if (!m) badRequest(`Invalid filter clause: syntax error at position ${i} in '${src}'.`)
      const v = m[0]
      i += v.length
      if (/^-?\d+(\.\d+)?$/.test(v)) out.push({ t: 'num', v })
      else if (['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'and', 'or', 'not', 'in'].includes(v))
        out.push({ t: 'op', v })
      else out.push({ t: 'id', v })
    }
  }
  return out
}

export type Predicate = (o: Obj) => boolean

interface FilterOptions {
  type: string
  known: ReadonlySet<string>
  /** `ConsistencyLevel: eventual` was sent (needed for ne, not, endswith). */
  advanced: boolean
}

/** Compiles a `$filter` into a predicate, refusing what Graph refuses. */
export function compileFilter(src: string, opts: FilterOptions): Predicate {
  const toks = tokenize(src)
  let pos = 0
  const peek = () => toks[pos]
  const next = () => toks[pos++]
  const expect = (v: string) => {
    const t = next()
    if (!t || t.v !== v) badRequest(`Invalid filter clause: expected '${v}' in '${src}'.`)
  }
  const needAdvanced = (what: string) => {
    if (!opts.advanced) {
      unsupportedQuery(
        `Unsupported Query. '${what}' requires the ConsistencyLevel header set to 'eventual' and $count=true.`,
      )
    }
  }
  const property = (name: string) => {
    if (!opts.known.has(name))
      badRequest(`Could not find a property named '${name}' on type 'microsoft.graph.${opts.type}'.`)
    return name
  }
  const literal = (): unknown => {
    const t = next()
    if (!t) badRequest(`Invalid filter clause: missing value in '${src}'.`)
    if (t.t === 'str') return t.v
    if (t.t === 'num') return Number(t.v)
    if (t.t === 'id' && (t.v === 'true' || t.v === 'false')) return t.v === 'true'
    if (t.t === 'id' && t.v === 'null') return null
    if (t.t === 'id' && /^[0-9a-fA-F-]{36}$/.test(t.v)) return t.v
    if (t.t === 'id' && /^\d{4}-\d{2}-\d{2}T/.test(t.v)) return t.v
    badRequest(`Invalid filter clause: unexpected '${t.v}' in '${src}'.`)
  }
  const compare = (a: unknown, op: string, b: unknown): boolean => {
    if (op === 'eq')
      return typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : a === b
    if (op === 'ne')
      return typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() !== b.toLowerCase() : a !== b
    if (a === null || a === undefined || b === null) return false
    // DateTimeOffset values compare as instants, whatever their fraction digits.
    const iso = (v: unknown) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v)
    const [x, y] =
      iso(a) && iso(b)
        ? [Date.parse(a as string), Date.parse(b as string)]
        : [a as string | number, b as string | number]
    if (op === 'gt') return x > y
    if (op === 'ge') return x >= y
    if (op === 'lt') return x < y
    return x <= y
  }
  const primary = (): Predicate => {
    const t = next()
    if (!t) badRequest(`Invalid filter clause: unexpected end of '${src}'.`)
    if (t.v === '(') {
      const inner = orExpr()
      expect(')')
      return inner
    }
    if (t.t === 'op' && t.v === 'not') {
      needAdvanced('not')
      const inner = primary()
      return (o) => !inner(o)
    }
    if (t.t !== 'id') badRequest(`Invalid filter clause: unexpected '${t.v}' in '${src}'.`)
    const name = t.v.toLowerCase()
    if ((name === 'startswith' || name === 'endswith') && peek()?.v === '(') {
      if (name === 'endswith') needAdvanced('endsWith')
      next()
      const p = property(next()?.v ?? '')
      expect(',')
      const v = String(literal()).toLowerCase()
      expect(')')
      return name === 'startswith'
        ? (o) => typeof o[p] === 'string' && (o[p] as string).toLowerCase().startsWith(v)
        : (o) => typeof o[p] === 'string' && (o[p] as string).toLowerCase().endsWith(v)
    }
    // `groupTypes/any(c:c eq 'Unified')`
    const slash = t.v.indexOf('/')
    if (slash > 0 && t.v.slice(slash + 1).toLowerCase() === 'any') {
      const p = property(t.v.slice(0, slash))
      expect('(')
      const varName = next()?.v
      expect(':')
      if (next()?.v !== varName) badRequest(`Invalid filter clause: lambda variable mismatch in '${src}'.`)
      const op = next()?.v ?? ''
      if (op !== 'eq') unsupportedQuery(`Unsupported Query. Only 'eq' is supported inside any().`)
      const v = literal()
      expect(')')
      return (o) => Array.isArray(o[p]) && (o[p] as unknown[]).some((x) => compare(x, 'eq', v))
    }
    const p = property(t.v)
    const op = next()
    if (op?.t !== 'op') badRequest(`Invalid filter clause: expected an operator after '${p}' in '${src}'.`)
    if (op.v === 'in') {
      expect('(')
      const values: unknown[] = [literal()]
      while (peek()?.v === ',') {
        next()
        values.push(literal())
      }
      expect(')')
      return (o) => values.some((v) => compare(o[p], 'eq', v))
    }
    if (!['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(op.v)) {
      badRequest(`Invalid filter clause: unexpected '${op.v}' in '${src}'.`)
    }
    if (op.v === 'ne') needAdvanced('ne')
    const v = literal()
    return (o) => compare(o[p], op.v, v)
  }
  const andExpr = (): Predicate => {
    let left = primary()
    while (peek()?.v === 'and') {
      next()
      const l = left
      const r = primary()
      left = (o) => l(o) && r(o)
    }
    return left
  }
  const orExpr = (): Predicate => {
    let left = andExpr()
    while (peek()?.v === 'or') {
      next()
      const l = left
      const r = andExpr()
      left = (o) => l(o) || r(o)
    }
    return left
  }
  const pred = orExpr()
  if (pos !== toks.length) badRequest(`Invalid filter clause: unexpected '${toks[pos]!.v}' in '${src}'.`)
  return pred
}

/**
 * A parser for the JQL subset the sandbox serves: clauses `field op value` joined by AND / OR / NOT with
 * parentheses, the operators `=`, `!=`, `~`, `!~`, `>`, `>=`, `<`, `<=`, `IN`, `NOT IN`, `IS [NOT] EMPTY|NULL`,
 * quoted strings (`"..."` or `'...'`, backslash escapes), fields by name, by quoted display name, as `cf[10072]`
 * or `customfield_10072`, and `issue.property[key].path`, then `ORDER BY` with up to 7 fields. Keywords are
 * case-insensitive. Errors read like Jira's ("Error in the JQL Query: ...").
 */

export type JqlOperator =
  | '='
  | '!='
  | '~'
  | '!~'
  | '>'
  | '>='
  | '<'
  | '<='
  | 'IN'
  | 'NOT IN'
  | 'IS'
  | 'IS NOT'

/** A clause operand: a literal, a list of literals, or EMPTY/NULL. */
export type JqlValue =
  | { kind: 'literal'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'empty' }

export type JqlExpr =
  | { kind: 'and'; items: JqlExpr[] }
  | { kind: 'or'; items: JqlExpr[] }
  | { kind: 'not'; item: JqlExpr }
  | { kind: 'clause'; field: string; op: JqlOperator; value: JqlValue }

export interface JqlOrder {
  field: string
  desc: boolean
}

export interface JqlQuery {
  where: JqlExpr | undefined
  orderBy: JqlOrder[]
}

export class JqlError extends Error {
  override name = 'JqlError'
}

/** What enhanced search answers to a query without a search restriction (empty, or only ORDER BY). */
export const UNBOUNDED =
  'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.'

type Token =
  | { t: 'word'; v: string; pos: number }
  | { t: 'string'; v: string; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: '('; pos: number }
  | { t: ')'; pos: number }
  | { t: ','; pos: number }

const OPS = ['!=', '!~', '>=', '<=', '=', '~', '>', '<']
const WORD_STOP = new Set([' ', '\t', '\n', '\r', '(', ')', ',', '=', '!', '~', '<', '>', '"', "'"])

function fail(message: string, pos: number): never {
  throw new JqlError(`Error in the JQL Query: ${message} (line 1, character ${pos + 1})`)
}

export function tokenize(jql: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < jql.length) {
    const c = jql[i]!
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++
      continue
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ t: c, pos: i })
      i++
      continue
    }
    if (c === '"' || c === "'") {
      const start = i
      let v = ''
      i++
      while (i < jql.length && jql[i] !== c) {
        if (jql[i] === '\\' && i + 1 < jql.length) {
          const n = jql[i + 1]!
          v += n === 'n' ? '\n' : n === 't' ? '\t' : n
          i += 2
        } else v += jql[i++]
      }
      if (i >= jql.length) fail('The quoted string has not been completed.', start)
      i++
      out.push({ t: 'string', v, pos: start })
      continue
    }
    const op = OPS.find((o) => jql.startsWith(o, i))
    if (op) {
      out.push({ t: 'op', v: op, pos: i })
      i += op.length
      continue
    }
    const start = i
    let v = ''
    while (i < jql.length && !WORD_STOP.has(jql[i]!)) {
      // Brackets keep anything inside (issue.property[some key]).
      if (jql[i] === '[') {
        const close = jql.indexOf(']', i)
        if (close < 0) fail("Expecting ']'.", i)
        v += jql.slice(i, close + 1)
        i = close + 1
      } else if (jql[i] === '\\' && i + 1 < jql.length) {
        v += jql[i + 1]
        i += 2
      } else v += jql[i++]
    }
    if (v === '') fail(`Unexpected character '${c}'.`, i)
    out.push({ t: 'word', v, pos: start })
  }
  return out
}

const RESERVED = new Set(['and', 'or', 'not', 'in', 'is', 'order', 'by', 'asc', 'desc', 'empty', 'null'])

class Parser {
  readonly #tokens: Token[]
  readonly #length: number
  #i = 0
  constructor(tokens: Token[], length: number) {
    this.#tokens = tokens
    this.#length = length
  }

  #peek(): Token | undefined {
    return this.#tokens[this.#i]
  }

  #keyword(word: string, offset = 0): boolean {
    const t = this.#tokens[this.#i + offset]
    return t?.t === 'word' && t.v.toLowerCase() === word
  }

  #pos(): number {
    return this.#peek()?.pos ?? this.#length
  }

  query(): JqlQuery {
    let where: JqlExpr | undefined
    if (this.#peek() && !(this.#keyword('order') && this.#keyword('by', 1))) where = this.#or()
    const orderBy: JqlOrder[] = []
    if (this.#keyword('order')) {
      this.#i++
      if (!this.#keyword('by')) fail("Expecting 'by' after 'order'.", this.#pos())
      this.#i++
      do {
        if (orderBy.length > 0) this.#i++ // the comma
        const field = this.#field()
        let desc = false
        if (this.#keyword('asc')) this.#i++
        else if (this.#keyword('desc')) {
          desc = true
          this.#i++
        }
        orderBy.push({ field, desc })
      } while (this.#peek()?.t === ',')
      if (orderBy.length > 7) {
        throw new JqlError('The ORDER BY clause of a JQL query can contain at most 7 fields.')
      }
    }
    const rest = this.#peek()
    if (rest) fail(`Expecting either 'OR' or 'AND' but got '${'v' in rest ? rest.v : rest.t}'.`, rest.pos)
    return { where, orderBy }
  }

  #or(): JqlExpr {
    const items = [this.#and()]
    while (this.#keyword('or')) {
      this.#i++
      items.push(this.#and())
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items }
  }

  #and(): JqlExpr {
    const items = [this.#not()]
    while (this.#keyword('and')) {
      this.#i++
      items.push(this.#not())
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items }
  }

  #not(): JqlExpr {
    if (this.#keyword('not')) {
      this.#i++
      return { kind: 'not', item: this.#not() }
    }
    if (this.#peek()?.t === '(') {
      this.#i++
      const inner = this.#or()
      if (this.#peek()?.t !== ')') fail("Expecting ')'.", this.#pos())
      this.#i++
      return inner
    }
    return this.#clause()
  }

  #field(): string {
    const t = this.#peek()
    if (!t || (t.t !== 'word' && t.t !== 'string')) fail('Expecting a field name.', this.#pos())
    if (t.t === 'word' && RESERVED.has(t.v.toLowerCase())) {
      fail(`Expecting a field name but got the reserved word '${t.v}'.`, t.pos)
    }
    this.#i++
    return t.v
  }

  #operator(): JqlOperator {
    const t = this.#peek()
    if (t?.t === 'op') {
      this.#i++
      return t.v as JqlOperator
    }
    if (this.#keyword('in')) {
      this.#i++
      return 'IN'
    }
    if (this.#keyword('not') && this.#keyword('in', 1)) {
      this.#i += 2
      return 'NOT IN'
    }
    if (this.#keyword('is')) {
      this.#i++
      if (this.#keyword('not')) {
        this.#i++
        return 'IS NOT'
      }
      return 'IS'
    }
    fail(
      `Expecting operator but got '${t && 'v' in t ? t.v : (t?.t ?? 'the end of the query')}'.`,
      this.#pos(),
    )
  }

  #literal(): string {
    const t = this.#peek()
    if (!t || (t.t !== 'word' && t.t !== 'string'))
      fail('Expecting either a value, list or function.', this.#pos())
    this.#i++
    return t.v
  }

  #clause(): JqlExpr {
    const field = this.#field()
    const op = this.#operator()
    let value: JqlValue
    if (op === 'IN' || op === 'NOT IN') {
      if (this.#peek()?.t !== '(') fail(`Expecting '(' after '${op}'.`, this.#pos())
      this.#i++
      const items: string[] = []
      while (this.#peek()?.t !== ')') {
        if (items.length > 0) {
          if (this.#peek()?.t !== ',') fail("Expecting ',' or ')'.", this.#pos())
          this.#i++
        }
        items.push(this.#literal())
      }
      this.#i++
      value = { kind: 'list', items }
    } else if ((this.#keyword('empty') || this.#keyword('null')) && this.#peek()?.t === 'word') {
      this.#i++
      value = { kind: 'empty' }
    } else {
      if (op === 'IS' || op === 'IS NOT') fail(`Expecting 'EMPTY' or 'NULL' after '${op}'.`, this.#pos())
      value = { kind: 'literal', text: this.#literal() }
    }
    return { kind: 'clause', field, op, value }
  }
}

/** Parses JQL; throws JqlError with a Jira-like message on a syntax error. */
export function parseJql(jql: string): JqlQuery {
  return new Parser(tokenize(jql), jql.length).query()
}

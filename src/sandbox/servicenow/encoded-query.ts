/**
 * ServiceNow encoded queries (`sysparm_query`), parsed as the platform reads them:
 *
 * - `^` joins conditions with AND, `^OR` joins a condition to the one before it with OR (OR binds tighter than
 *   AND: `a^b^ORc` is `a AND (b OR c)`), `^NQ` starts a new query OR-ed with the previous ones as a whole;
 * - `ORDERBY<field>` / `ORDERBYDESC<field>` anywhere in the string add sort keys, in order of appearance;
 * - a condition is `<field><operator><value>`; field names are lowercase and may be dot-walked
 *   (`requested_for.email`, `variables.action`); operators are uppercase or symbols;
 * - `^^` is a literal caret inside a value (the escape clients use);
 * - a part that does not parse is dropped silently, as the real instance does (unless
 *   `glide.invalid_query.returns_no_rows` is set, which the sandbox does not model). Unknown fields are dropped
 *   later, at compile time, because only the table knows its fields.
 */

export type SnOperator =
  | '='
  | '!='
  | '>'
  | '>='
  | '<'
  | '<='
  | 'IN'
  | 'NOT IN'
  | 'STARTSWITH'
  | 'ENDSWITH'
  | 'LIKE'
  | 'NOT LIKE'
  | 'ISEMPTY'
  | 'ISNOTEMPTY'
  | 'ANYTHING'

export interface SnCondition {
  field: string
  op: SnOperator
  value: string
}

/** A list of alternatives: the condition holds when any of them does. */
export type SnOrTerm = SnCondition[]
/** AND of OR-terms. */
export type SnQueryBranch = SnOrTerm[]

export interface SnOrderKey {
  field: string
  desc: boolean
}

export interface SnQuery {
  /** Branches separated by `^NQ`: a record matches when any branch matches. Empty: every record. */
  branches: SnQueryBranch[]
  orderBy: SnOrderKey[]
}

// Longest first, so `>=` wins over `>` and `NOT IN` over `IN`... (`IN` cannot prefix `NOT IN`, but keep the rule).
const OPERATORS: SnOperator[] = [
  'ISNOTEMPTY',
  'STARTSWITH',
  'ENDSWITH',
  'NOT LIKE',
  'ISEMPTY',
  'ANYTHING',
  'NOT IN',
  'LIKE',
  '!=',
  '>=',
  '<=',
  'IN',
  '=',
  '>',
  '<',
]
const VALUELESS = new Set<SnOperator>(['ISEMPTY', 'ISNOTEMPTY', 'ANYTHING'])
const FIELD = /^[a-z0-9_][a-z0-9_.]*/

export function parseCondition(text: string): SnCondition | undefined {
  const m = FIELD.exec(text)
  if (!m) return undefined
  const field = m[0]
  const rest = text.slice(field.length)
  for (const op of OPERATORS) {
    if (rest.startsWith(op)) {
      const value = rest.slice(op.length)
      if (VALUELESS.has(op) && value !== '') return undefined
      return { field, op, value }
    }
  }
  return undefined
}

/** Splits on `^`, reading `^^` as a literal caret inside a value (how clients escape one). */
function splitParts(query: string): string[] {
  const parts: string[] = []
  let current = ''
  for (let i = 0; i < query.length; i++) {
    if (query[i] !== '^') current += query[i]
    else if (query[i + 1] === '^') {
      current += '^'
      i++
    } else {
      parts.push(current)
      current = ''
    }
  }
  parts.push(current)
  return parts
}

export function parseEncodedQuery(query: string): SnQuery {
  const branches: SnQueryBranch[] = []
  const orderBy: SnOrderKey[] = []
  let branch: SnQueryBranch = []
  for (const raw of splitParts(query)) {
    let part = raw
    if (part === '' || part === 'EQ') continue
    if (part.startsWith('ORDERBYDESC')) {
      const field = part.slice('ORDERBYDESC'.length)
      if (FIELD.test(field)) orderBy.push({ field, desc: true })
      continue
    }
    if (part.startsWith('ORDERBY')) {
      const field = part.slice('ORDERBY'.length)
      if (FIELD.test(field)) orderBy.push({ field, desc: false })
      continue
    }
    if (part.startsWith('NQ')) {
      if (branch.length > 0) branches.push(branch)
      branch = []
      part = part.slice(2)
      if (part === '') continue
    }
    if (part.startsWith('OR')) {
      const condition = parseCondition(part.slice(2))
      if (!condition) continue
      const previous = branch.at(-1)
      if (previous) previous.push(condition)
      else branch.push([condition])
      continue
    }
    const condition = parseCondition(part)
    if (condition) branch.push([condition])
  }
  if (branch.length > 0) branches.push(branch)
  return { branches, orderBy }
}

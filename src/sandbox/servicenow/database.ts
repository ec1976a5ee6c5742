import { randomBytes } from 'node:crypto'
import type { ServiceNowTenant } from '../state.ts'
import { parseEncodedQuery, type SnQuery } from './encoded-query.ts'
import { compileQuery, type FieldGetter, type QueryContext, type SnRow } from './query-eval.ts'
import {
  BUILTIN_TABLES,
  choiceRows,
  displayField,
  NUMBER_PREFIX,
  TASK_TABLES,
  type TableSchema,
} from './schema.ts'
import { parseSnDateTime, snDateTime, WriteClock } from './time.ts'

/** A (possibly dot-walked) field as the table API sees it. */
export interface FieldInfo {
  get: FieldGetter
  /** The table the final column belongs to (for choice labels), when known statically. */
  table: string
  column: string
  /** Set when the final column is a reference: the table it points to. */
  refTable?: string
  /** Tables the getter reads besides the base table (dot-walks, variables): their writes change its values. */
  reads: string[]
}

export interface SnTable {
  name: string
  rows: SnRow[]
  /** Rows by sys_id (built on first use: indexing 1M+ rows at start-up costs seconds). */
  readonly byId: Map<string, SnRow>
  /** Known columns, in rendering order. */
  columns: string[]
  columnSet: Set<string>
  references: Record<string, string>
  display: string
  /** Bumped on every write to the table (invalidates its column indexes). */
  version: number
}

/** The first index where a predicate that is false-then-true over the array turns true (binary search). */
function firstIndex<T>(items: T[], isTrue: (item: T) => boolean): number {
  let lo = 0
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (isTrue(items[mid]!)) hi = mid
    else lo = mid + 1
  }
  return lo
}

class TableState implements SnTable {
  readonly name: string
  readonly rows: SnRow[]
  readonly columns: string[]
  readonly columnSet: Set<string>
  readonly references: Record<string, string>
  readonly display: string
  version = 0
  #byId: Map<string, SnRow> | undefined

  constructor(init: Omit<SnTable, 'byId' | 'version'>) {
    this.name = init.name
    this.rows = init.rows
    this.columns = init.columns
    this.columnSet = init.columnSet
    this.references = init.references
    this.display = init.display
  }

  get byId(): Map<string, SnRow> {
    if (!this.#byId) {
      this.#byId = new Map()
      for (const row of this.rows) this.#byId.set(row.sys_id!, row)
    }
    return this.#byId
  }

  added(row: SnRow): void {
    this.#byId?.set(row.sys_id!, row)
  }

  removed(row: SnRow): void {
    this.#byId?.delete(row.sys_id!)
  }
}

const WRITE_PROTECTED = /^sys_/
const RANGE_OPS = new Set<string>(['>', '>=', '<', '<='])

interface VariableIndex {
  version: number
  /** sc_req_item sys_id -> its sc_item_option rows. */
  byItem: Map<string, SnRow[]>
  /** Variable name -> item_option_new sys_ids with that name. */
  defsByName: Map<string, Set<string>>
}
const VARIABLE_TABLES = new Set(['item_option_new', 'sc_item_option', 'sc_item_option_mtom'])

/**
 * The simulator's view of the tenant's tables: indexes by sys_id, known columns, dot-walking through references,
 * catalog variables (`variables.<name>` on sc_req_item, joined through sc_item_option_mtom → sc_item_option →
 * item_option_new as on a real instance), cached query results, and writes that stamp `sys_updated_on`.
 * Writes go into the tenant's own arrays, so the tenant object always shows the current state.
 */
export class SnDatabase {
  readonly tenant: ServiceNowTenant
  readonly clock: WriteClock
  readonly #tables = new Map<string, TableState>()
  readonly #hidden: Set<string>
  readonly #counters = new Map<string, number>()
  /** Bumped only by writes to the variable tables, so the variable index survives writes elsewhere. */
  #varVersion = 0
  #variables: VariableIndex | undefined
  #cache = new Map<string, SnRow[]>()
  /** `table.column` -> value -> row positions, built on first use, as a database index would be. */
  readonly #indexes = new Map<string, { version: number; positions: Map<string, number[]> }>()

  constructor(tenant: ServiceNowTenant, extraTables: Record<string, TableSchema> = {}) {
    this.tenant = tenant
    this.#hidden = new Set(tenant.aclHidden)
    if (!tenant.tables.sys_choice?.length) tenant.tables.sys_choice = choiceRows()
    const names = new Set([
      ...Object.keys(BUILTIN_TABLES),
      ...Object.keys(extraTables),
      ...Object.keys(tenant.tables),
    ])
    // The latest stamp, compared as text: `yyyy-MM-dd HH:mm:ss` orders like the time (parsing 1M dates is slow).
    let latest = ''
    for (const name of names) {
      tenant.tables[name] ??= []
      const rows = tenant.tables[name]!
      const builtin = extraTables[name] ?? BUILTIN_TABLES[name]
      const columns = new Set(builtin?.columns ?? ['sys_id', 'sys_created_on', 'sys_updated_on'])
      const references = { ...builtin?.references, ...tenant.references[name] }
      for (const c of Object.keys(references)) columns.add(c)
      for (const row of rows) {
        for (const k in row) columns.add(k)
        const u = row.sys_updated_on
        if (u && u > latest) latest = u
      }
      const prefix = NUMBER_PREFIX[name]
      if (prefix) {
        let max = 0
        for (const row of rows) {
          const n = row.number?.startsWith(prefix) ? Number(row.number.slice(prefix.length)) : 0
          if (n > max) max = n
        }
        this.#counters.set(name, Math.max(max, 10000))
      }
      this.#tables.set(
        name,
        new TableState({
          name,
          rows,
          columns: [...columns],
          columnSet: columns,
          references,
          display: displayField(name, columns),
        }),
      )
    }
    this.clock = new WriteClock(latest ? parseSnDateTime(latest) || 0 : 0)
  }

  hasTable(name: string): boolean {
    return this.#tables.has(name)
  }

  table(name: string): TableState {
    const t = this.#tables.get(name)
    if (!t) throw new Error(`no ServiceNow table ${name}`)
    return t
  }

  isHidden(sysId: string): boolean {
    return this.#hidden.has(sysId)
  }

  /** A record by sys_id in a table, or in any task table for a `task` reference. */
  find(table: string, sysId: string): { table: string; row: SnRow } | undefined {
    if (sysId === '') return undefined
    if (table !== 'task') {
      const row = this.#tables.get(table)?.byId.get(sysId)
      return row ? { table, row } : undefined
    }
    for (const name of TASK_TABLES) {
      const row = this.#tables.get(name)?.byId.get(sysId)
      if (row) return { table: name, row }
    }
    return undefined
  }

  /** The display value of a referenced record (its name or number), "" when the reference is empty or dangling. */
  displayOf(table: string, sysId: string): string {
    const hit = this.find(table, sysId)
    if (!hit) return ''
    return hit.row[this.table(hit.table).display] ?? ''
  }

  /** Columns a table or reference target has: for a polymorphic `task` reference, those of any task table. */
  #columnsOf(table: string): Set<string> | undefined {
    if (table !== 'task') return this.#tables.get(table)?.columnSet
    const all = new Set<string>()
    for (const t of TASK_TABLES) for (const c of this.#tables.get(t)?.columnSet ?? []) all.add(c)
    return all
  }

  #referencesOf(table: string): Record<string, string> {
    if (table !== 'task') return this.#tables.get(table)?.references ?? {}
    return Object.assign({}, ...TASK_TABLES.map((t) => this.#tables.get(t)?.references ?? {}))
  }

  /** Resolves `a.b.c` on a table to a getter, or undefined when some segment is not a field (ignored, as SN does). */
  field(table: string, path: string): FieldInfo | undefined {
    if (path.startsWith('variables.') && table === 'sc_req_item') {
      const name = path.slice('variables.'.length)
      if (!this.#variableIndex().defsByName.has(name)) return undefined
      return {
        table,
        column: path,
        reads: [...VARIABLE_TABLES],
        get: (row) => this.#variable(row.sys_id!, name)?.value ?? '',
      }
    }
    const dot = path.indexOf('.')
    const head = dot < 0 ? path : path.slice(0, dot)
    const columns = this.#columnsOf(table)
    if (!columns?.has(head)) return undefined
    const refTable = this.#referencesOf(table)[head]
    if (dot < 0) {
      return { table, column: head, refTable, reads: [], get: (row) => row[head] ?? '' }
    }
    if (!refTable) return undefined
    const rest = this.field(refTable, path.slice(dot + 1))
    if (!rest) return undefined
    return {
      ...rest,
      reads: [...(refTable === 'task' ? TASK_TABLES : [refTable]), ...rest.reads],
      get: (row) => {
        const target = this.find(refTable, row[head] ?? '')
        return target ? rest.get(target.row) : ''
      },
    }
  }

  #variableIndex(): VariableIndex {
    if (this.#variables?.version === this.#varVersion) return this.#variables
    const options = this.table('sc_item_option').byId
    // Per item, its option rows (a few each): cheaper than a map per item at 200k items.
    const byItem = new Map<string, SnRow[]>()
    const defsByName = new Map<string, Set<string>>()
    for (const def of this.table('item_option_new').rows) {
      if (!def.name) continue
      const ids = defsByName.get(def.name) ?? new Set<string>()
      if (ids.size === 0) defsByName.set(def.name, ids)
      ids.add(def.sys_id!)
    }
    for (const link of this.table('sc_item_option_mtom').rows) {
      const option = options.get(link.sc_item_option ?? '')
      if (!option) continue
      const item = link.request_item ?? ''
      const list = byItem.get(item)
      if (list) list.push(option)
      else byItem.set(item, [option])
    }
    this.#variables = { version: this.#varVersion, byItem, defsByName }
    return this.#variables
  }

  /** The option row holding a variable of a requested item, if it has that variable. */
  #variable(itemSysId: string, name: string): SnRow | undefined {
    const index = this.#variableIndex()
    const defs = index.defsByName.get(name)
    if (!defs) return undefined
    return index.byItem.get(itemSysId)?.find((o) => defs.has(o.item_option_new ?? ''))
  }

  /** The catalog variables of a requested item, by variable name. */
  variablesOf(itemSysId: string): Map<string, SnRow> {
    const out = new Map<string, SnRow>()
    const index = this.#variableIndex()
    for (const option of index.byItem.get(itemSysId) ?? []) {
      for (const [name, defs] of index.defsByName)
        if (defs.has(option.item_option_new ?? '')) out.set(name, option)
    }
    return out
  }

  /**
   * Every row of a table matching an encoded query, in the query's order, ACL-hidden rows included (the caller
   * windows before removing them, as the instance applies `sysparm_limit` before ACLs). Cached per table,
   * query and data version, so paging through a large result sorts it once.
   */
  select(table: string, query: string, ctx: QueryContext): SnRow[] {
    const parsed = parseEncodedQuery(query)
    // Keyset and watermark paging (`sys_id>X^ORDERBYsys_id`, `sys_updated_on>=T^...`) sends a new query per page:
    // the range terms are applied to the cached result of the rest, so a table is filtered and sorted once per
    // scan, not once per page. Splitting AND-terms of one branch this way gives the same rows in the same order.
    if (parsed.branches.length === 1) {
      const branch = parsed.branches[0]!
      const ranges = branch.filter(
        (t) => t.length === 1 && RANGE_OPS.has(t[0]!.op) && !t[0]!.field.includes('.'),
      )
      if (ranges.length > 0) {
        const rest = branch.filter((t) => !ranges.includes(t))
        const base = this.#selectParsed(
          table,
          { branches: rest.length > 0 ? [rest] : [], orderBy: parsed.orderBy },
          ctx,
        )
        const range = compileQuery({ branches: [ranges], orderBy: [] }, (f) => this.field(table, f)?.get, ctx)
        const first = parsed.orderBy[0]
        const only = ranges.length === 1 ? ranges[0]![0]! : undefined
        if (
          first &&
          !first.desc &&
          only &&
          (only.op === '>' || only.op === '>=') &&
          only.field === first.field &&
          this.field(table, first.field)
        ) {
          // A lower bound on the ascending leading sort key (keyset or watermark paging): the matches are the tail
          // of the sorted base (empty values sort first and never match `>`), found by binary search.
          return base.slice(firstIndex(base, range.matches))
        }
        return base.filter(range.matches)
      }
    }
    return this.#selectParsed(table, parsed, ctx)
  }

  #selectParsed(table: string, parsed: SnQuery, ctx: QueryContext): SnRow[] {
    const canonical = JSON.stringify(parsed)
    const volatile = canonical.includes('javascript:gs.now')
    // Valid while the tables it reads are unchanged (writes to other tables keep it).
    const tables = new Set([table])
    const fields = [...parsed.branches.flat(2).map((c) => c.field), ...parsed.orderBy.map((o) => o.field)]
    for (const f of fields) for (const r of this.field(table, f)?.reads ?? []) tables.add(r)
    const versions = [...tables].map((n) => `${n}:${this.#tables.get(n)?.version ?? 0}`).join(',')
    const key = `${table}\u0000${canonical}\u0000${ctx.userSysId}\u0000${versions}`
    const hit = volatile ? undefined : this.#cache.get(key)
    if (hit) return hit
    const t = this.table(table)
    const compiled = compileQuery(parsed, (f) => this.field(table, f)?.get, ctx)
    const rows = this.#candidates(t, parsed).filter(compiled.matches)
    compiled.sort(rows)
    if (!volatile) {
      if (this.#cache.size >= 16) this.#cache.delete(this.#cache.keys().next().value!)
      this.#cache.set(key, rows)
    }
    return rows
  }

  /**
   * The rows a query can match, narrowed through a column index when one AND-term of a single-branch query is
   * `col=value` or `colINa,b` on a column of the table (batched lookups by sys_id or by reference), in table
   * order; otherwise every row.
   */
  #candidates(t: SnTable, query: SnQuery): SnRow[] {
    if (query.branches.length !== 1) return t.rows
    for (const term of query.branches[0]!) {
      const c = term[0]!
      if (term.length !== 1 || (c.op !== '=' && c.op !== 'IN')) continue
      if (!t.columnSet.has(c.field) || c.value.startsWith('javascript:')) continue
      const index = this.#index(t, c.field)
      const positions = (c.op === 'IN' ? c.value.split(',') : [c.value]).flatMap((v) => index.get(v) ?? [])
      positions.sort((a, b) => a - b)
      return positions.filter((p, i) => i === 0 || positions[i - 1] !== p).map((p) => t.rows[p]!)
    }
    return t.rows
  }

  #index(t: SnTable, column: string): Map<string, number[]> {
    const key = `${t.name}.${column}`
    const hit = this.#indexes.get(key)
    if (hit?.version === t.version) return hit.positions
    const positions = new Map<string, number[]>()
    for (let i = 0; i < t.rows.length; i++) {
      const v = t.rows[i]![column] ?? ''
      const list = positions.get(v)
      if (list) list.push(i)
      else positions.set(v, [i])
    }
    this.#indexes.set(key, { version: t.version, positions })
    return positions
  }

  #stringify(value: unknown): string {
    if (value === null || value === undefined) return ''
    if (typeof value === 'object') {
      // A reference given as {value} or {sys_id} (what a client read back) is its sys_id.
      const v = value as { value?: unknown; sys_id?: unknown }
      return String(v.value ?? v.sys_id ?? JSON.stringify(value))
    }
    return String(value)
  }

  #touch(row: SnRow, user: string): void {
    row.sys_updated_on = snDateTime(this.clock.next())
    row.sys_updated_by = user
    row.sys_mod_count = String(Number(row.sys_mod_count ?? '0') + 1)
  }

  /** Inserts a record as POST does: unknown and `sys_` fields ignored, the rest "" unless given. */
  insert(table: string, values: Record<string, unknown>, user: string): SnRow {
    const t = this.table(table)
    const at = snDateTime(this.clock.next())
    const row: SnRow = {}
    for (const c of t.columns) row[c] = ''
    for (const [k, v] of Object.entries(values)) {
      if (t.columnSet.has(k) && !WRITE_PROTECTED.test(k)) row[k] = this.#stringify(v)
    }
    Object.assign(row, {
      sys_id: randomBytes(16).toString('hex'),
      sys_created_on: at,
      sys_created_by: user,
      sys_updated_on: at,
      sys_updated_by: user,
      sys_mod_count: '0',
    })
    const prefix = NUMBER_PREFIX[table]
    if (prefix && !row.number) {
      const n = (this.#counters.get(table) ?? 10000) + 1
      this.#counters.set(table, n)
      row.number = `${prefix}${String(n).padStart(7, '0')}`
    }
    if (t.columnSet.has('opened_at') && !row.opened_at) row.opened_at = at
    if (table === 'incident') {
      row.state ||= '1'
      row.active ||= 'true'
    }
    t.rows.push(row)
    t.added(row)
    this.#changed(table)
    return row
  }

  /** Updates the given fields (unknown and `sys_` ignored) and stamps the write. */
  update(table: string, sysId: string, values: Record<string, unknown>, user: string): SnRow | undefined {
    const t = this.table(table)
    const row = t.byId.get(sysId)
    if (!row) return undefined
    for (const [k, v] of Object.entries(values)) {
      if (t.columnSet.has(k) && !WRITE_PROTECTED.test(k)) row[k] = this.#stringify(v)
    }
    this.#touch(row, user)
    this.#changed(table)
    return row
  }

  delete(table: string, sysId: string): boolean {
    const t = this.table(table)
    const row = t.byId.get(sysId)
    if (!row) return false
    t.removed(row)
    t.rows.splice(t.rows.indexOf(row), 1)
    this.#changed(table)
    return true
  }

  /**
   * Sets a catalog variable of a requested item, creating its definition, option and link rows when missing,
   * and stamps the item too (so an incremental sync of items sees the change).
   */
  setVariable(itemSysId: string, name: string, value: string, user: string): void {
    const item = this.table('sc_req_item').byId.get(itemSysId)
    if (!item) throw new Error(`no sc_req_item with sys_id ${itemSysId}`)
    const existing = this.#variable(itemSysId, name)
    if (existing) this.update('sc_item_option', existing.sys_id!, { value }, user)
    else {
      let def = this.table('item_option_new').rows.find((d) => d.name === name)
      def ??= this.insert(
        'item_option_new',
        { name, question_text: name, cat_item: item.cat_item ?? '' },
        user,
      )
      const option = this.insert('sc_item_option', { item_option_new: def.sys_id, value }, user)
      this.insert('sc_item_option_mtom', { request_item: itemSysId, sc_item_option: option.sys_id }, user)
    }
    this.update('sc_req_item', itemSysId, {}, user)
  }

  #changed(table: string): void {
    this.table(table).version++
    if (VARIABLE_TABLES.has(table)) this.#varVersion++
  }
}

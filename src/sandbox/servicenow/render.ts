import type { FieldInfo, SnDatabase } from './database.ts'
import type { SnRow } from './query-eval.ts'
import { choiceLabel } from './schema.ts'

export type DisplayMode = 'false' | 'true' | 'all'

export interface RenderOptions {
  /** `sysparm_fields`, split; undefined for every column of the table. */
  fields: string[] | undefined
  displayValue: DisplayMode
  excludeReferenceLink: boolean
  /** The instance origin, for reference links. */
  origin: string
}

interface Column {
  key: string
  info: FieldInfo
}

/**
 * A record renderer for one table and one set of options, built once per request: every value a string,
 * references as `{link, value}` (a plain sys_id with `sysparm_exclude_reference_link=true`, "" when empty),
 * display values and `all` as vendor-apis.md section 1.4 describes. Requested fields that do not exist are left
 * out, as the instance ignores them.
 */
export function recordRenderer(
  db: SnDatabase,
  table: string,
  opts: RenderOptions,
): (row: SnRow) => Record<string, unknown> {
  const names = opts.fields ?? db.table(table).columns
  const columns: Column[] = []
  for (const key of names) {
    const info = db.field(table, key)
    if (info) columns.push({ key, info })
  }
  const link = (refTable: string, id: string) => `${opts.origin}/api/now/table/${refTable}/${id}`
  const display = (c: Column, value: string): string => {
    if (value === '') return ''
    if (c.info.refTable) return db.displayOf(c.info.refTable, value)
    return choiceLabel(c.info.table, c.info.column, value)
  }

  return (row) => {
    const out: Record<string, unknown> = {}
    for (const c of columns) {
      const value = c.info.get(row)
      const ref = c.info.refTable
      switch (opts.displayValue) {
        case 'false':
          out[c.key] =
            ref && value !== '' && !opts.excludeReferenceLink ? { link: link(ref, value), value } : value
          break
        case 'true':
          out[c.key] =
            ref && value !== '' && !opts.excludeReferenceLink
              ? { display_value: display(c, value), link: link(ref, value) }
              : display(c, value)
          break
        case 'all':
          out[c.key] =
            ref && value !== '' && !opts.excludeReferenceLink
              ? { display_value: display(c, value), link: link(ref, value), value }
              : { display_value: display(c, value), value }
          break
      }
    }
    return out
  }
}

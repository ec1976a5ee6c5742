import type { Kysely } from 'kysely'
import { sql } from 'kysely'

export type ColumnType = 'text' | 'timestamptz' | 'boolean' | 'bigint' | 'integer' | 'jsonb' | 'text[]'

export interface BulkColumn {
  name: string
  type: ColumnType
}

export interface BulkUpsert {
  table: string
  columns: readonly BulkColumn[]
  /** Primary key columns: rows are deduplicated on them within a statement (last wins). */
  conflict: readonly string[]
  /** Columns overwritten on conflict with the new value; others keep the stored one (e.g. first_seen). */
  update: readonly string[]
  /** Extra `col = expression` assignments on conflict. */
  updateSql?: Readonly<Record<string, string>>
}

/** Rows per statement: large enough to amortise the round trip, small enough to keep memory flat. */
const CHUNK = 5_000

/**
 * Postgres text and jsonb cannot hold NUL (U+0000), which JSON can carry: one vendor string holding it would fail
 * every page it is in, forever. It becomes U+FFFD, the replacement character, as invalid input does elsewhere.
 */
const withoutNul = (s: string) => (s.includes('\u0000') ? s.replaceAll('\u0000', '\ufffd') : s)
/**
 * In JSON text a NUL is the escape `\u0000`; one preceded by an even number of backslashes is that escape (an
 * odd number means the backslash itself was escaped, and the text is a literal "\u0000"). Rewriting the text
 * is many times faster than a replacer function over every value of a million rows.
 */
const NUL_ESCAPE = /(?<!\\)((?:\\\\)*)\\u0000/g
export const jsonWithoutNul = (v: unknown): string => {
  const s = JSON.stringify(v)
  return s.includes('\\u0000') ? s.replace(NUL_ESCAPE, '$1\\ufffd') : s
}

function toParam(v: unknown, type: ColumnType): unknown {
  if (v === null || v === undefined) return null
  if (type === 'timestamptz') return v instanceof Date ? v.toISOString() : v
  if (type === 'jsonb' || type === 'text[]') return jsonWithoutNul(v)
  if (typeof v === 'string') return withoutNul(v)
  return v
}

/**
 * `INSERT … SELECT FROM unnest($1::t[], …) ON CONFLICT … DO UPDATE`: one statement and one round trip per
 * few thousand rows, with a fixed number of parameters whatever the batch size, on Postgres and PGlite alike.
 * text[] columns travel as jsonb (arrays of arrays cannot be ragged in Postgres).
 */
export async function bulkUpsert(
  db: Kysely<unknown>,
  spec: BulkUpsert,
  rows: readonly (readonly unknown[])[],
) {
  if (rows.length === 0) return
  const keyIdx = spec.conflict.map((c) => spec.columns.findIndex((col) => col.name === c))
  const dedup = new Map<string, readonly unknown[]>()
  for (const r of rows) dedup.set(JSON.stringify(keyIdx.map((i) => r[i])), r)
  const unique = [...dedup.values()]
  for (let start = 0; start < unique.length; start += CHUNK) {
    const chunk = unique.slice(start, start + CHUNK)
    const params = spec.columns.map((col, i) => chunk.map((r) => toParam(r[i], col.type)))
    const unnestArgs = spec.columns.map((col, i) => {
      const pgType = col.type === 'text[]' ? 'jsonb' : col.type
      return sql`${params[i]}::${sql.raw(pgType)}[]`
    })
    const selectList = spec.columns.map((col, i) =>
      col.type === 'text[]'
        ? sql.raw(`coalesce(array(select jsonb_array_elements_text(c${i})), '{}')`)
        : sql.raw(`c${i}`),
    )
    const aliases = sql.raw(spec.columns.map((_, i) => `c${i}`).join(', '))
    const assignments = [
      ...spec.update.map((c) => `${c} = excluded.${c}`),
      ...Object.entries(spec.updateSql ?? {}).map(([c, e]) => `${c} = ${e}`),
    ]
    const onConflict =
      assignments.length > 0
        ? sql.raw(`on conflict (${spec.conflict.join(', ')}) do update set ${assignments.join(', ')}`)
        : sql.raw(`on conflict (${spec.conflict.join(', ')}) do nothing`)
    await sql`insert into ${sql.raw(spec.table)} (${sql.raw(spec.columns.map((c) => c.name).join(', '))})
      select ${sql.join(selectList)} from unnest(${sql.join(unnestArgs)}) as t(${aliases})
      ${onConflict}`.execute(db)
  }
}

import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import { bulkUpsert } from '../bulk.ts'
import type { Database, Db } from '../database.ts'

export interface PersonKeyWrite {
  source: string
  externalId: string
  personKey: string
}

const SPEC = {
  table: 'person_keys',
  columns: [
    { name: 'source', type: 'text' },
    { name: 'external_id', type: 'text' },
    { name: 'person_key', type: 'text' },
    { name: 'resolved_at', type: 'timestamptz' },
  ],
  conflict: ['source', 'external_id'],
  update: ['person_key', 'resolved_at'],
} as const

/**
 * Brings person_keys in line with this run's resolution, writing only the rows that changed (and dropping
 * those of identities no longer present), so a steady-state run writes nothing.
 */
export async function syncPersonKeys(
  db: Kysely<Database>,
  rows: readonly PersonKeyWrite[],
  at: Date,
): Promise<number> {
  const existing = new Map<string, string>()
  const stored = await sql<{ source: string; external_id: string; person_key: string }>`
    select source, external_id, person_key from person_keys`.execute(db)
  for (const r of stored.rows) existing.set(`${r.source}\t${r.external_id}`, r.person_key)
  const changed = rows.filter((r) => existing.get(`${r.source}\t${r.externalId}`) !== r.personKey)
  await bulkUpsert(
    db as unknown as Kysely<unknown>,
    SPEC,
    changed.map((r) => [r.source, r.externalId, r.personKey, at]),
  )
  const present = new Set(rows.map((r) => `${r.source}\t${r.externalId}`))
  const gone = [...existing.keys()].filter((k) => !present.has(k))
  for (let i = 0; i < gone.length; i += 5_000) {
    const chunk = gone.slice(i, i + 5_000).map((k) => k.split('\t'))
    await sql`delete from person_keys p using unnest(${chunk.map((c) => c[0])}::text[], ${chunk.map((c) => c[1])}::text[]) as k(s, e)
      where p.source = k.s and p.external_id = k.e`.execute(db)
  }
  return changed.length + gone.length
}

export async function personKeyOf(db: Db, source: string, externalId: string): Promise<string | null> {
  const r = await db
    .selectFrom('person_keys')
    .select('person_key')
    .where('source', '=', source)
    .where('external_id', '=', externalId)
    .executeTakeFirst()
  return r?.person_key ?? null
}

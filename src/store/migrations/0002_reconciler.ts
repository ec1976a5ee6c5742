import { type Kysely, sql } from 'kysely'

/**
 * What the reconciler needs beyond the initial schema: the (source, stream) pairs a finding was computed from,
 * so a later run resolves it only when all of them are complete, and a hash of its material content, so an
 * `updated` event is written only on a real change.
 */
const statements = [
  `alter table findings add column depends_on text[] not null default '{}'`,
  `alter table findings add column material text not null default ''`,
  `create index findings_rule_status on findings (rule, status)`,
  `create index finding_events_run on finding_events (run_id)`,
]

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('drop index if exists finding_events_run').execute(db)
  await sql.raw('drop index if exists findings_rule_status').execute(db)
  await sql.raw('alter table findings drop column if exists material').execute(db)
  await sql.raw('alter table findings drop column if exists depends_on').execute(db)
}

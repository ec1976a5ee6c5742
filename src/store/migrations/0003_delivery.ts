import { type Kysely, sql } from 'kysely'

/**
 * Delivery state. The outbox row keeps what changed (the update note) and when it was taken in flight; the
 * finding keeps its delivery state and the reason of a dead letter, so `findings list` can show both without
 * reading the outbox.
 */
const up_ = [
  `alter table outbox add column detail jsonb not null default '{}'`,
  `alter table outbox add column claimed_at timestamptz`,
  `alter table findings add column delivery_state text`,
  `alter table findings add column delivery_error text`,
  `create index outbox_event on outbox (event_id)`,
]

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of up_) await sql.raw(s).execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const s of [
    'drop index if exists outbox_event',
    'alter table findings drop column if exists delivery_error',
    'alter table findings drop column if exists delivery_state',
    'alter table outbox drop column if exists claimed_at',
    'alter table outbox drop column if exists detail',
  ])
    await sql.raw(s).execute(db)
}

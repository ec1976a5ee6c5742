import type { Db } from '../database.ts'

export interface Suppression {
  id: number
  /** A fingerprint, or a glob over fingerprints. */
  pattern: string
  reason: string
  ticket: string | null
  until: Date | null
  createdBy: string | null
  createdAt: Date
}

export async function addSuppression(db: Db, s: Omit<Suppression, 'id'>): Promise<number> {
  const r = await db
    .insertInto('suppressions')
    .values({
      pattern: s.pattern,
      reason: s.reason,
      ticket: s.ticket,
      until: s.until,
      created_by: s.createdBy,
      created_at: s.createdAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

/** Suppressions in force at `at`: no end, or an end after it. */
export async function activeSuppressions(db: Db, at: Date): Promise<Suppression[]> {
  const rows = await db
    .selectFrom('suppressions')
    .selectAll()
    .where((eb) => eb.or([eb('until', 'is', null), eb('until', '>', at)]))
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    pattern: r.pattern,
    reason: r.reason,
    ticket: r.ticket,
    until: r.until,
    createdBy: r.created_by,
    createdAt: r.created_at,
  }))
}

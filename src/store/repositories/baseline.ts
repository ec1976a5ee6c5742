import { sql } from 'kysely'
import type { Db } from '../database.ts'

/**
 * Accepts today's uncovered grants as the starting point: every present identity-held direct grant (of one
 * source, first seen before a time, when given) that no ticket covers, recorded with who accepted it and when.
 * Grants already accepted keep their first acceptance. Returns how many were accepted now.
 */
export async function acceptBaseline(
  db: Db,
  opts: { source?: string; before?: Date; by: string; at: Date },
): Promise<number> {
  const r = await sql`
    insert into baseline (source, principal_type, principal_id, entitlement_id, accepted_by, accepted_at)
    select g.source, g.principal_type, g.principal_id, g.entitlement_id, ${opts.by}, ${opts.at.toISOString()}::timestamptz
    from grants g
    where g.removed_at is null and g.principal_type = 'identity'
      and (${opts.source ?? null}::text is null or g.source = ${opts.source ?? null})
      and (${opts.before?.toISOString() ?? null}::timestamptz is null
        or coalesce(g.granted_at, g.first_seen) < ${opts.before?.toISOString() ?? null}::timestamptz)
      and not exists (select 1 from evidence_matches e where e.source = g.source
        and e.principal_type = g.principal_type and e.principal_id = g.principal_id
        and e.entitlement_id = g.entitlement_id and e.covered_by = 'ticket')
    on conflict do nothing`.execute(db)
  return Number(r.numAffectedRows ?? 0)
}

export async function countBaseline(db: Db): Promise<number> {
  const r = await db
    .selectFrom('baseline')
    .select(sql<number>`count(*)::int`.as('n'))
    .executeTakeFirstOrThrow()
  return Number(r.n)
}

import type { Config } from '../../../src/config/schema.ts'
import { enqueueRaise } from '../../../src/delivery/outbox/enqueue.ts'
import type { Db } from '../../../src/store/database.ts'

/**
 * n open findings with their `opened` events, enqueued for raising in the same transaction, as the reconciler
 * does it. Every entitlement comes from `source` (routes pick the sink by it).
 */
export async function seedOpenFindings(
  db: Db,
  config: Config,
  n: number,
  opts: { source: string; prefix?: string },
) {
  const prefix = opts.prefix ?? 'fp'
  const at = new Date('2026-11-29T10:00:00Z')
  const CHUNK = 500
  for (let start = 0; start < n; start += CHUNK) {
    const ids = Array.from(
      { length: Math.min(CHUNK, n - start) },
      (_, i) => `${prefix}-${String(start + i).padStart(6, '0')}`,
    )
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('findings')
        .values(
          ids.map((id, i) => ({
            id,
            rule: 'ACC-001',
            severity: i % 10 === 0 ? 'critical' : 'high',
            status: 'open',
            identity_key: `user${start + i}@contoso.com`,
            identity_kind: 'person',
            entitlement_source: opts.source,
            entitlement_type: 'group',
            entitlement_id: `grp-${start + i}`,
            entitlement_name: `Finance-${start + i}`,
            ticket_source: null,
            ticket_key: null,
            credential_key_id: null,
            title: `user${start + i}@contoso.com holds Finance-${start + i} with no approved ticket`,
            evidence: JSON.stringify({ grant: { principal: `u-${start + i}` } }),
            first_seen: at,
            last_seen: at,
            resolved_at: null,
            suppressed_until: null,
            updated_run_id: 'seed',
          })),
        )
        .execute()
      const events = await trx
        .insertInto('finding_events')
        .values(
          ids.map((id, i) => ({
            finding_id: id,
            run_id: 'seed',
            type: 'opened',
            at,
            severity: i % 10 === 0 ? 'critical' : 'high',
            status: 'open',
            data: '{}',
          })),
        )
        .returning(['id', 'finding_id', 'severity'])
        .execute()
      await enqueueRaise(
        trx,
        events.map((e) => ({
          id: Number(e.id),
          findingId: e.finding_id,
          type: 'opened' as const,
          severity: e.severity as 'high' | 'critical',
          data: {},
        })),
        config.raise,
      )
    })
  }
}

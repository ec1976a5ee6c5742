import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { migrateToLatest } from '../../../src/store/migrate.ts'
import { type EvidenceWrite, upsertEvidence } from '../../../src/store/repositories/evidence.ts'
import { describeEachStore } from '../../helpers/store.ts'

const approvals = {
  ticketKey: 'RITM0001',
  approvers: [{ approver: 'boss@contoso.com', decidedAt: '2026-11-01' }],
}
const row = (principalId: string, over: Partial<EvidenceWrite> = {}): EvidenceWrite => ({
  source: 'entra',
  principalType: 'identity',
  principalId,
  entitlementId: 'g-1',
  coveredBy: 'ticket',
  ticketSource: 'servicenow',
  ticketId: 'sys-1',
  ticketKey: 'RITM0001',
  detail: approvals,
  approvedAt: Date.parse('2026-11-01T10:00:00.123Z'),
  grantedAt: null,
  grantFirstSeen: Date.parse('2026-11-02T11:30:00.456Z'),
  ...over,
})

interface Stored {
  principal_id: string
  covered_by: string
  detail: Record<string, unknown> | string
  approved_at: Date | null
  granted_at: Date | null
  grant_first_seen: Date
  first_matched_at: Date
  last_matched_at: Date
  run_id: string
}

describeEachStore(import.meta.url, 'evidence writes', (factory) => {
  it('records every row with its shared detail, exact times and the run; a re-record keeps when it was first matched', async () => {
    const store = await factory.open()
    try {
      expect((await migrateToLatest(store)).error).toBeUndefined()
      const first = { at: new Date('2026-11-03T00:00:00Z'), runId: 'run-1' }
      // More rows than one statement holds, all sharing one detail object.
      const many = Array.from({ length: 30_001 }, (_, i) => row(`u-${i}`))
      await upsertEvidence(store.db, many, first)
      const n = await sql<{ n: number }>`select count(*)::int as n from evidence_matches`.execute(store.db)
      expect(n.rows[0]!.n).toBe(30_001)

      const later = { at: new Date('2026-11-04T00:00:00Z'), runId: 'run-2' }
      await upsertEvidence(
        store.db,
        [
          row('u-7', {
            coveredBy: 'birthright',
            ticketSource: null,
            ticketId: null,
            ticketKey: null,
            detail: { policy: 'birthright' },
            approvedAt: null,
            grantedAt: Date.parse('2026-10-30T08:00:00.789Z'),
          }),
          row('u-nul\u0000', { detail: { note: 'bad\u0000byte', literal: '\\u0000' } }),
        ],
        later,
      )
      const r = await sql<Stored>`select * from evidence_matches where principal_id in ('u-0', 'u-7')
        or principal_id like 'u-nul%' order by principal_id`.execute(store.db)
      const [u0, u7, nul] = r.rows.map((x) => ({
        ...x,
        detail: typeof x.detail === 'string' ? JSON.parse(x.detail) : x.detail,
      }))
      expect(u0).toMatchObject({
        covered_by: 'ticket',
        detail: approvals,
        approved_at: new Date('2026-11-01T10:00:00.123Z'),
        granted_at: null,
        grant_first_seen: new Date('2026-11-02T11:30:00.456Z'),
        first_matched_at: first.at,
        run_id: 'run-1',
      })
      expect(u7).toMatchObject({
        covered_by: 'birthright',
        detail: { policy: 'birthright' },
        approved_at: null,
        granted_at: new Date('2026-10-30T08:00:00.789Z'),
        first_matched_at: first.at,
        last_matched_at: later.at,
        run_id: 'run-2',
      })
      // Postgres cannot hold NUL: it becomes U+FFFD rather than failing the write.
      expect(nul).toMatchObject({
        principal_id: 'u-nul\ufffd',
        detail: { note: 'bad\ufffdbyte', literal: '\\u0000' },
      })
    } finally {
      await store.close()
    }
  }, 120_000)
})

import type { Db } from '../database.ts'

export async function startReconcileRun(db: Db, id: string, at: Date) {
  await db
    .insertInto('reconcile_runs')
    .values({ id, started_at: at, finished_at: null, status: 'running', summary: '{}' })
    .execute()
}

export async function finishReconcileRun(
  db: Db,
  id: string,
  status: 'succeeded' | 'failed',
  at: Date,
  summary: Record<string, unknown>,
) {
  await db
    .updateTable('reconcile_runs')
    .set({ status, finished_at: at, summary: JSON.stringify(summary) })
    .where('id', '=', id)
    .execute()
}

export async function lastReconcileRun(db: Db) {
  const r = await db
    .selectFrom('reconcile_runs')
    .selectAll()
    .orderBy('started_at', 'desc')
    .limit(1)
    .executeTakeFirst()
  if (!r) return null
  return {
    id: r.id,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    status: r.status,
    summary: (typeof r.summary === 'string' ? JSON.parse(r.summary) : r.summary) as Record<string, unknown>,
  }
}

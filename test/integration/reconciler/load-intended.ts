import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { emptyStats } from '../../../src/connectors/http/stats.ts'
import type { Intended } from '../../../src/sandbox/scenario/index.ts'
import type { Db } from '../../../src/store/database.ts'
import { upsertCredentials } from '../../../src/store/repositories/credentials.ts'
import { upsertEntitlements } from '../../../src/store/repositories/entitlements.ts'
import { upsertGrants } from '../../../src/store/repositories/grants.ts'
import { upsertIdentities } from '../../../src/store/repositories/identities.ts'
import {
  finishStreamRun,
  finishSyncRun,
  startStreamRun,
  startSyncRun,
} from '../../../src/store/repositories/sync-runs.ts'
import { upsertTickets } from '../../../src/store/repositories/tickets.ts'

/** Rows per write: what a connector page would commit. */
const BATCH = 5_000

/**
 * Writes a scenario's `intended` records into a store as a successful full sync of each source would: one
 * sync run per source, one succeeded stream run per table, batched upserts.
 */
export async function loadIntended(db: Db, intended: Intended, at: Date): Promise<void> {
  const k = db as unknown as Kysely<unknown>
  const sources: [string, [string, unknown[], (rows: never[], seen: never) => Promise<void>][]][] = [
    ...(['entra', 'okta'] as const).map(
      (s) =>
        [
          s,
          [
            ['users', intended[s].identities, (r: never[], seen: never) => upsertIdentities(k, r, seen)],
            ['groups', intended[s].entitlements, (r: never[], seen: never) => upsertEntitlements(k, r, seen)],
            ['memberships', intended[s].grants, (r: never[], seen: never) => upsertGrants(k, r, seen)],
            [
              'credentials',
              intended[s].credentials,
              (r: never[], seen: never) => upsertCredentials(k, r, seen),
            ],
          ],
        ] as [string, [string, unknown[], (rows: never[], seen: never) => Promise<void>][]],
    ),
    ...(['servicenow', 'jira'] as const).map(
      (s) =>
        [s, [['tickets', intended[s].tickets, (r: never[], seen: never) => upsertTickets(k, r, seen)]]] as [
          string,
          [string, unknown[], (rows: never[], seen: never) => Promise<void>][],
        ],
    ),
  ]
  for (const [source, streams] of sources) {
    const runId = randomUUID()
    const seq = await startSyncRun(db, {
      id: runId,
      connectorId: source,
      kind: source,
      requestedMode: 'full',
      at,
    })
    for (const [stream, rows, write] of streams) {
      await startStreamRun(db, { runId, connectorId: source, stream, mode: 'full', generation: seq, at })
      for (let i = 0; i < rows.length; i += BATCH) {
        await write(rows.slice(i, i + BATCH) as never[], { stream, generation: seq, at } as never)
      }
      await finishStreamRun(db, {
        runId,
        stream,
        mode: 'full',
        status: 'succeeded',
        at,
        totals: { records: rows.length, removed: 0, invalid: 0 },
        stats: emptyStats(),
        error: null,
      })
    }
    await finishSyncRun(db, runId, 'succeeded', at, null)
  }
}

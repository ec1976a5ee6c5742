import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { Policy, type PolicyInput } from '../../../src/config/policy.ts'
import { Config } from '../../../src/config/schema.ts'
import { emptyStats } from '../../../src/connectors/http/stats.ts'
import type {
  ObservedCredential,
  ObservedEntitlement,
  ObservedGrant,
  ObservedIdentity,
  ObservedTicket,
} from '../../../src/connectors/types.ts'
import { silentLogger } from '../../../src/core/logger.ts'
import type { Finding } from '../../../src/model/finding.ts'
import { type ReconcileSummary, reconcile } from '../../../src/reconciler/reconcile.ts'
import type { Db } from '../../../src/store/database.ts'
import { upsertCredentials } from '../../../src/store/repositories/credentials.ts'
import { upsertEntitlements } from '../../../src/store/repositories/entitlements.ts'
import { listFindings } from '../../../src/store/repositories/findings.ts'
import { upsertGrants } from '../../../src/store/repositories/grants.ts'
import { upsertIdentities } from '../../../src/store/repositories/identities.ts'
import {
  finishStreamRun,
  finishSyncRun,
  startStreamRun,
  startSyncRun,
} from '../../../src/store/repositories/sync-runs.ts'
import { upsertTickets } from '../../../src/store/repositories/tickets.ts'

export const NOW = '2026-11-29T12:00:00.000Z'
export const days = (n: number) => new Date(Date.parse(NOW) - n * 86_400_000)
export const hours = (n: number) => new Date(Date.parse(NOW) - n * 3_600_000)

export function person(
  source: string,
  id: string,
  email: string | null,
  extra: Partial<ObservedIdentity> = {},
): ObservedIdentity {
  return {
    source,
    externalId: id,
    kind: 'human',
    login: null,
    email,
    upn: null,
    displayName: id,
    status: 'active',
    owners: [],
    createdAt: days(300),
    ...extra,
  }
}

export function nhi(
  source: string,
  id: string,
  name: string,
  extra: Partial<ObservedIdentity> = {},
): ObservedIdentity {
  return { ...person(source, id, null, { kind: 'service', displayName: name }), ...extra }
}

export function ent(
  source: string,
  id: string,
  name: string,
  extra: Partial<ObservedEntitlement> = {},
): ObservedEntitlement {
  return {
    source,
    externalId: id,
    type: 'group',
    name,
    resource: null,
    privileged: false,
    owners: [],
    ...extra,
  }
}

export function grant(
  source: string,
  principalId: string,
  entitlementId: string,
  grantedAt: Date | null = days(30),
  principalType: 'identity' | 'group' = 'identity',
): ObservedGrant {
  return { source, principalType, principalId, entitlementId, grantedAt }
}

let ticketNo = 1000
export function ticket(
  beneficiary: string | null,
  targets: (string | { system: string; entitlement: string })[],
  extra: Partial<ObservedTicket> = {},
): ObservedTicket {
  const n = ++ticketNo
  return {
    source: 'snow',
    externalId: `sys${n}`,
    key: `RITM${n}`,
    url: null,
    kind: 'grant',
    state: 'fulfilled',
    approval: 'approved',
    requester: 'requester@contoso.com',
    beneficiary,
    targets: targets.map((t) => (typeof t === 'string' ? { system: null, entitlement: t } : t)),
    approvals: [{ approver: 'boss@contoso.com', decision: 'approved', decidedAt: days(41) }],
    justification: null,
    expiresAt: null,
    createdAt: days(42),
    updatedAt: days(40),
    closedAt: days(40),
    unmappable: null,
    ...extra,
  }
}

export interface WorldData {
  identities?: ObservedIdentity[]
  entitlements?: ObservedEntitlement[]
  grants?: ObservedGrant[]
  credentials?: ObservedCredential[]
  tickets?: ObservedTicket[]
}

const STREAM = {
  identities: 'users',
  entitlements: 'groups',
  grants: 'memberships',
  credentials: 'credentials',
  tickets: 'tickets',
} as const

/**
 * Writes records the way a successful full sync of each source would: through the repositories, inside a
 * recorded sync run whose streams succeed (or fail, with `fail`), so completeness is what a real run leaves.
 */
let clock = 0

export async function sync(
  db: Db,
  data: WorldData,
  opts: { fail?: string[]; at?: Date; sources?: string[] } = {},
) {
  // Each sync a second after the last, within the hour before NOW: completeness orders runs by start time.
  const at = opts.at ?? new Date(Date.parse(NOW) - 3_600_000 + ++clock * 1000)
  const bySource = new Map<string, Map<keyof typeof STREAM, unknown[]>>()
  for (const [table, rows] of Object.entries(data) as [keyof typeof STREAM, { source: string }[]][]) {
    for (const r of rows ?? []) {
      const m = bySource.get(r.source) ?? new Map()
      m.set(table, [...(m.get(table) ?? []), r])
      bySource.set(r.source, m)
    }
  }
  for (const s of opts.sources ?? []) if (!bySource.has(s)) bySource.set(s, new Map())
  for (const [source, tables] of bySource) {
    const runId = randomUUID()
    const seq = await startSyncRun(db, {
      id: runId,
      connectorId: source,
      kind: 'test',
      requestedMode: 'full',
      at,
    })
    const failed = opts.fail?.includes(source) ?? false
    const streams = tables.size
      ? [...tables.keys()]
      : ([source === 'snow' || source === 'jira' ? 'tickets' : 'identities'] as const)
    for (const table of streams) {
      const stream = STREAM[table]
      await startStreamRun(db, { runId, connectorId: source, stream, mode: 'full', generation: seq, at })
      const rows = tables.get(table) ?? []
      const seen = { stream, generation: seq, at }
      const k = db as unknown as Kysely<unknown>
      if (table === 'identities') await upsertIdentities(k, rows as ObservedIdentity[], seen)
      if (table === 'entitlements') await upsertEntitlements(k, rows as ObservedEntitlement[], seen)
      if (table === 'grants') await upsertGrants(k, rows as ObservedGrant[], seen)
      if (table === 'credentials') await upsertCredentials(k, rows as ObservedCredential[], seen)
      if (table === 'tickets') await upsertTickets(k, rows as ObservedTicket[], seen)
      await finishStreamRun(db, {
        runId,
        stream,
        mode: 'full',
        status: failed ? 'failed' : 'succeeded',
        at,
        totals: { records: rows.length, removed: 0, invalid: 0 },
        stats: emptyStats(),
        error: failed ? 'simulated failure' : null,
      })
    }
    await finishSyncRun(db, runId, failed ? 'failed' : 'succeeded', at, failed ? 'simulated failure' : null)
  }
}

export async function run(
  db: Db,
  policy: PolicyInput = {},
  onEvents?: Parameters<typeof reconcile>[1]['onEvents'],
): Promise<ReconcileSummary> {
  process.env.ACCORD_NOW = NOW
  return reconcile(db, {
    config: Config.parse({}),
    policy: Policy.parse(policy),
    logger: silentLogger(),
    onEvents,
  })
}

export async function open(db: Db, rule?: string): Promise<Finding[]> {
  return (await listFindings(db, { status: ['open'] })).filter((f) => !rule || f.rule === rule)
}

/** `rule identity entitlement-name ticket` lines of the open findings, sorted: what tests compare. */
export async function openKeys(db: Db): Promise<string[]> {
  return (await open(db))
    .map((f) => [f.rule, f.identity?.key ?? '-', f.entitlement?.name ?? '-', f.ticket?.key ?? '-'].join(' '))
    .sort()
}

/** Empties every table a test writes, so one store serves a whole file. */
export async function reset(db: Db) {
  const { sql } = await import('kysely')
  await sql`truncate identities, entitlements, grants, credentials, tickets, approvals, person_keys, evidence_matches,
    finding_events, findings, reconcile_runs, baseline, suppressions, stream_runs, sync_runs, cursors cascade`.execute(
    db,
  )
}

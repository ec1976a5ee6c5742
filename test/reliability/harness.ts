import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { type Loaded, loadConfig, loadPolicyFor } from '../../src/config/load.ts'
import type { Policy } from '../../src/config/policy.ts'
import type { Config, ConnectorConfig } from '../../src/config/schema.ts'
import { writeSandboxFiles } from '../../src/sandbox/files.ts'
import { type Sandbox, startSandbox, type Vendor } from '../../src/sandbox/sandbox.ts'
import { generateScenario } from '../../src/sandbox/scenario/index.ts'
import type { Db } from '../../src/store/database.ts'

/** The sandbox simulator that serves each generated connector id. */
export const VENDOR_OF: Record<string, Vendor> = {
  servicenow: 'servicenow',
  jira: 'jira',
  entra: 'graph',
  okta: 'okta',
}

export interface ReliabilitySandbox {
  scenario: ReturnType<typeof generateScenario>
  sandbox: Sandbox
  dir: string
  config: Loaded<Config>
  policy: Loaded<Policy>
  connector(id: string): ConnectorConfig
  close(): Promise<void>
}

/** The `small` tenant on loopback with no faults, its generated config and policy in a temporary directory. */
export async function startReliabilitySandbox(seed: number): Promise<ReliabilitySandbox> {
  const scenario = generateScenario({ seed, size: 'small' })
  process.env.ACCORD_NOW = scenario.now
  const dir = mkdtempSync(join(tmpdir(), 'accord-rel-'))
  const sandbox = await startSandbox(scenario.tenant, { faults: '', faultSeed: seed })
  writeSandboxFiles(dir, sandbox, scenario)
  const config = loadConfig(join(dir, 'accord.yaml'))
  const policy = loadPolicyFor(config)
  return {
    scenario,
    sandbox,
    dir,
    config,
    policy,
    connector: (id) => {
      const c = config.value.connectors.find((x) => x.id === id)
      if (!c) throw new Error(`no connector ${id} in the generated config`)
      return c
    },
    close: async () => {
      await sandbox.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Columns that say when or in which run a row was seen, not what the vendor holds. */
const VOLATILE = new Set(['first_seen', 'last_seen', 'generation', 'removed_at', 'stream'])

/** Sorts rows by their JSON text, so two listings compare as multisets. */
function sorted(rows: Record<string, unknown>[]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort()
}

/**
 * What the store holds of the vendors: every live (not removed) identity, entitlement, grant, credential,
 * ticket and approval, without bookkeeping columns. Two stores that synced the same tenant compare equal.
 */
export async function dumpSnapshot(db: Db, source?: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {}
  for (const table of ['identities', 'entitlements', 'grants', 'credentials', 'tickets'] as const) {
    let q = db.selectFrom(table).selectAll().where('removed_at', 'is', null)
    if (source) q = q.where('source', '=', source)
    const rows = (await q.execute()) as Record<string, unknown>[]
    out[table] = sorted(
      rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !VOLATILE.has(k)))),
    )
  }
  let approvals = db.selectFrom('approvals').selectAll()
  if (source) approvals = approvals.where('source', '=', source)
  out.approvals = sorted((await approvals.execute()) as Record<string, unknown>[])
  return out
}

/** Every table of the store, every row, as text: what a secret search or a forensic diff reads. */
export async function dumpAllTables(db: Db): Promise<Record<string, string>> {
  const tables = await sql<{ tablename: string }>`
    select tablename from pg_tables where schemaname = current_schema() order by tablename
  `.execute(db)
  const out: Record<string, string> = {}
  for (const { tablename } of tables.rows) {
    const rows = await sql`select * from ${sql.table(tablename)}`.execute(db)
    out[tablename] = JSON.stringify(rows.rows)
  }
  return out
}

/** Open finding ids, sorted. */
export async function openFindingIds(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('findings').select('id').where('status', '=', 'open').execute()
  return rows.map((r) => r.id).sort()
}

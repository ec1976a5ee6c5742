import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ConnectorConfig } from '../../../src/config/schema.ts'
import { EntraConfig } from '../../../src/connectors/entra/config.ts'
import { silentLogger } from '../../../src/core/logger.ts'
import {
  type GraphSimulator,
  type GraphSimulatorOptions,
  startGraphSimulator,
} from '../../../src/sandbox/graph/index.ts'
import type { GraphTenant } from '../../../src/sandbox/state.ts'
import type { Db } from '../../../src/store/database.ts'
import { runConnectorSync, type SyncOutcome } from '../../../src/sync/run-connector.ts'

/** The Graph simulator plus an Entra connector config pointed at it (trusting its CA through tls.caFile). */
export async function startEntraSandbox(
  tenant: GraphTenant,
  opts: GraphSimulatorOptions = {},
  id = 'entra',
  extra: Record<string, unknown> = {},
): Promise<{
  sim: GraphSimulator
  config: EntraConfig
  as(id: string): EntraConfig
  close(): Promise<void>
}> {
  const sim = await startGraphSimulator(tenant, opts)
  const dir = mkdtempSync(join(tmpdir(), 'accord-entra-'))
  const caFile = join(dir, 'ca.pem')
  writeFileSync(caFile, sim.caCert)
  const configFor = (connectorId: string) =>
    EntraConfig.parse({
      id: connectorId,
      kind: 'entra',
      tenantId: sim.tenantId,
      clientId: sim.credentials.clientId,
      clientSecret: sim.credentials.clientSecret,
      authorityHost: new URL(sim.authority).origin,
      graphBaseUrl: sim.graphBaseUrl,
      tls: { caFile },
      // Tests see every change at once; the default (60 minutes) has a test of its own.
      relistMinutes: 0,
      ...extra,
    })
  return { sim, config: configFor(id), as: configFor, close: () => sim.close() }
}

export function syncEntra(
  db: Db,
  config: EntraConfig,
  opts: { full?: boolean; signal?: AbortSignal } = {},
): Promise<SyncOutcome> {
  return runConnectorSync(db, config as ConnectorConfig, { logger: silentLogger(), ...opts })
}

/** Every live row of the Entra source, in a stable, comparable form. */
export async function snapshot(db: Db, source = 'entra') {
  const identities = await db
    .selectFrom('identities')
    .select([
      'external_id',
      'kind',
      'login',
      'email',
      'upn',
      'display_name',
      'status',
      'owners',
      'created_at',
    ])
    .where('source', '=', source)
    .where('removed_at', 'is', null)
    .orderBy('external_id')
    .execute()
  const entitlements = await db
    .selectFrom('entitlements')
    .select(['external_id', 'type', 'name', 'resource', 'privileged'])
    .where('source', '=', source)
    .where('removed_at', 'is', null)
    .orderBy('external_id')
    .execute()
  const grants = await db
    .selectFrom('grants')
    .select(['principal_type', 'principal_id', 'entitlement_id', 'granted_at'])
    .where('source', '=', source)
    .where('removed_at', 'is', null)
    .orderBy('principal_id')
    .orderBy('entitlement_id')
    .execute()
  const credentials = await db
    .selectFrom('credentials')
    .select(['identity_id', 'key_id', 'type', 'expires_at'])
    .where('source', '=', source)
    .where('removed_at', 'is', null)
    .orderBy('key_id')
    .execute()
  return { identities, entitlements, grants, credentials }
}

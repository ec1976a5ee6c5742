import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ServiceNowConfig } from '../../../src/connectors/servicenow/config.ts'
import { silentLogger } from '../../../src/core/logger.ts'
import type { Ticket } from '../../../src/model/ticket.ts'
import { generateScenario } from '../../../src/sandbox/scenario/index.ts'
import {
  SANDBOX_SERVICENOW_CREDENTIALS,
  type ServiceNowSimulator,
  startServiceNowSimulator,
} from '../../../src/sandbox/servicenow/index.ts'
import type { Store } from '../../../src/store/open.ts'
import { listTickets } from '../../../src/store/repositories/tickets.ts'
import { runConnectorSync } from '../../../src/sync/run-connector.ts'
import { openTempPglite } from '../../helpers/store.ts'
import { sorted } from './ticket-compare.ts'

describe('servicenow: the small scenario end to end', () => {
  const scenario = generateScenario({ seed: 7, size: 'small' })
  let sim: ServiceNowSimulator
  let store: Store
  let config: ServiceNowConfig
  beforeAll(async () => {
    process.env.ACCORD_NOW = scenario.now
    sim = await startServiceNowSimulator(scenario.tenant.servicenow)
    store = await openTempPglite()
    const generated = scenario.config({
      urls: { servicenow: sim.url, jira: sim.url, graph: sim.url, login: sim.url, okta: sim.url },
      secretsDir: '/nonexistent',
      storePath: '/nonexistent',
    }).config as { connectors: { kind: string; tickets?: unknown }[] }
    const { username, password } = SANDBOX_SERVICENOW_CREDENTIALS.users[0]!
    config = ServiceNowConfig.parse({
      id: 'servicenow',
      kind: 'servicenow',
      baseUrl: sim.url,
      auth: { type: 'basic', username, password },
      tickets: generated.connectors.find((c) => c.kind === 'servicenow')!.tickets,
    })
  })
  afterAll(async () => {
    delete process.env.ACCORD_NOW
    await sim?.close()
    await store?.close()
  })

  it('stores the tickets the generator intended (kinds, beneficiaries, targets, approvals, expiries)', async () => {
    const outcome = await runConnectorSync(store.db, config, { logger: silentLogger() })
    expect(outcome.error).toBeNull()
    const intended = scenario.intendedFor({ urls: { servicenow: sim.url } }).servicenow.tickets
    expect(intended.length).toBeGreaterThan(20)
    const stored = await listTickets(store.db, 'servicenow')
    expect(sorted(stored)).toEqual(sorted(intended as Ticket[]))
    // Requests per 1,000 tickets: items, approvals, variables and users are batched per page.
    const perThousand = (outcome.stats.requests / stored.length) * 1000
    expect(perThousand).toBeLessThan(50)
  })

  it('an incremental run after changes picks up exactly the changed items', async () => {
    // Two requests the connector reads (not another catalog item, not hidden by ACLs) change.
    const [a, b] = scenario
      .intendedFor({ urls: { servicenow: sim.url } })
      .servicenow.tickets.filter((t) => t.kind === 'grant')
    sim.control.setVariable!({ ticket: a!.key, name: 'group_name', value: 'Finance-RO, VPN-Users' })
    sim.control.setField!({ ticket: b!.key, field: 'short_description', value: 'Access: changed' })
    const outcome = await runConnectorSync(store.db, config, { logger: silentLogger() })
    expect(outcome.streams[0]).toMatchObject({ mode: 'incremental', records: 2 })
    const intended = scenario.intendedFor({ urls: { servicenow: sim.url } }).servicenow.tickets
    const stored = await listTickets(store.db, 'servicenow')
    expect(sorted(stored)).toEqual(sorted(intended as Ticket[]))
  })
})

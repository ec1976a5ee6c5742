import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JiraConfig } from '../../../src/connectors/jira/config.ts'
import { silentLogger } from '../../../src/core/logger.ts'
import type { Ticket } from '../../../src/model/ticket.ts'
import {
  type JiraSimulator,
  SANDBOX_JIRA_CREDENTIALS,
  startJiraSimulator,
} from '../../../src/sandbox/jira/index.ts'
import { generateScenario } from '../../../src/sandbox/scenario/index.ts'
import type { Store } from '../../../src/store/open.ts'
import { listTickets } from '../../../src/store/repositories/tickets.ts'
import { runConnectorSync } from '../../../src/sync/run-connector.ts'
import { openTempPglite } from '../../helpers/store.ts'
import { sorted } from '../servicenow/ticket-compare.ts'

describe('jira: the small scenario end to end (search delay on)', () => {
  const scenario = generateScenario({ seed: 7, size: 'small' })
  let sim: JiraSimulator
  let store: Store
  let config: JiraConfig
  beforeAll(async () => {
    process.env.ACCORD_NOW = scenario.now
    sim = await startJiraSimulator(scenario.tenant.jira, { searchDelayMs: 500 })
    store = await openTempPglite()
    const generated = scenario.config({
      urls: { servicenow: sim.url, jira: sim.url, graph: sim.url, login: sim.url, okta: sim.url },
      secretsDir: '/nonexistent',
      storePath: '/nonexistent',
    }).config as { connectors: { kind: string; tickets?: unknown }[] }
    const { email, token } = SANDBOX_JIRA_CREDENTIALS.tokens[0]!
    config = JiraConfig.parse({
      id: 'jira',
      kind: 'jira',
      baseUrl: sim.url,
      auth: { type: 'basic', email, token },
      tickets: generated.connectors.find((c) => c.kind === 'jira')!.tickets,
    })
  })
  afterAll(async () => {
    delete process.env.ACCORD_NOW
    await sim?.close()
    await store?.close()
  })

  it('stores the tickets the generator intended', async () => {
    const outcome = await runConnectorSync(store.db, config, { logger: silentLogger() })
    expect(outcome.error).toBeNull()
    const intended = scenario.intendedFor({ urls: { jira: sim.url } }).jira.tickets
    expect(intended.length).toBeGreaterThan(20)
    expect(sorted(await listTickets(store.db, 'jira'))).toEqual(sorted(intended as Ticket[]))
  })

  it('an incremental run picks up exactly the changed requests, once search has caught up', async () => {
    const [a, b] = scenario
      .intendedFor({ urls: { jira: sim.url } })
      .jira.tickets.filter((t) => t.kind === 'grant')
    sim.control.setField!({ issue: a!.key, field: 'summary', value: 'Access: changed' })
    sim.control.setField!({ issue: b!.key, field: 'customfield_10073', value: 'Finance-RO,VPN-Users' })
    await new Promise((r) => setTimeout(r, 600))
    const outcome = await runConnectorSync(store.db, config, { logger: silentLogger() })
    expect(outcome.error).toBeNull()
    expect(outcome.streams[0]).toMatchObject({ mode: 'incremental', records: 2 })
    const intended = scenario.intendedFor({ urls: { jira: sim.url } }).jira.tickets
    expect(sorted(await listTickets(store.db, 'jira'))).toEqual(sorted(intended as Ticket[]))
  })
})

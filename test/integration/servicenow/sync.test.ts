import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest'
import { ServiceNowConfig } from '../../../src/connectors/servicenow/config.ts'
import { servicenowConnector } from '../../../src/connectors/servicenow/index.ts'
import type { SyncContext } from '../../../src/connectors/types.ts'
import { silentLogger } from '../../../src/core/logger.ts'
import {
  SANDBOX_SERVICENOW_CREDENTIALS,
  type ServiceNowSimulator,
  startServiceNowSimulator,
} from '../../../src/sandbox/servicenow/index.ts'
import type { ServiceNowTenant } from '../../../src/sandbox/state.ts'
import type { Store } from '../../../src/store/open.ts'
import { getCursor } from '../../../src/store/repositories/cursors.ts'
import { startSyncRun } from '../../../src/store/repositories/sync-runs.ts'
import { listTickets } from '../../../src/store/repositories/tickets.ts'
import { runConnectorSync } from '../../../src/sync/run-connector.ts'
import { DbStreamWriter } from '../../../src/sync/stream-writer.ts'
import { describeEachStore } from '../../helpers/store.ts'

const PEOPLE = ['ann', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina']
const user = (name: string, i: number) => ({
  sys_id: `${String(i + 1).padStart(2, '0')}${'a'.repeat(30)}`,
  user_name: name,
  email: `${name}@contoso.com`,
  name,
  active: 'true',
  sys_created_on: '2026-01-01 00:00:00',
  sys_updated_on: '2026-01-01 00:00:00',
})

function tenant(): ServiceNowTenant {
  return {
    instance: 'acme',
    tables: { sys_user: [...PEOPLE.map(user), user('svc_accord', 99)] },
    references: {},
    aclHidden: [],
  }
}

function configFor(sim: ServiceNowSimulator, id: string) {
  const { username, password } = SANDBOX_SERVICENOW_CREDENTIALS.users[0]!
  return ServiceNowConfig.parse({
    id,
    kind: 'servicenow',
    baseUrl: sim.url,
    auth: { type: 'basic', username, password },
    pageSize: 2,
    tickets: {
      filter: 'cat_item.name=Access Request',
      map: {
        kind: { from: 'variables.action', values: { add: 'grant', remove: 'revoke' }, default: 'grant' },
        beneficiary: { from: 'requested_for.email' },
        targets: { from: 'variables.group_name', split: ',' },
      },
    },
  })
}

/** A sync of the ticket source that dies after `pages` committed pages, as a killed process would. */
async function syncKilledAfter(store: Store, config: ServiceNowConfig, pages: number) {
  const runId = randomUUID()
  const seq = await startSyncRun(store.db, {
    id: runId,
    connectorId: config.id,
    kind: 'servicenow',
    requestedMode: 'auto',
    at: new Date(),
  })
  const abort = new AbortController()
  let written = 0
  let tickets = 0
  const ctx: SyncContext<ServiceNowConfig> = {
    config,
    logger: silentLogger(),
    signal: abort.signal,
    db: store.db,
    now: new Date(),
    openStream: async (name) => {
      const w = await DbStreamWriter.open(
        {
          db: store.db,
          runId,
          seq,
          connectorId: config.id,
          forceFull: false,
          maxInvalidShare: 0.01,
          logger: silentLogger(),
        },
        servicenowConnector.ticketSource!.streams.find((s) => s.name === name)!,
      )
      const write = w.write.bind(w)
      w.write = async (batch) => {
        await write(batch)
        tickets += batch.tickets?.length ?? 0
        if (++written === pages) abort.abort(new Error('killed'))
      }
      return w
    },
  }
  await expect(servicenowConnector.ticketSource!.sync(ctx)).rejects.toThrow('killed')
  return tickets
}

const itemPages = (o: { stats: { byEndpoint: Record<string, number> } }) =>
  o.stats.byEndpoint['GET /api/now/v2/table/sc_req_item'] ?? 0

describeEachStore(import.meta.url, 'servicenow sync against the sandbox', (factory) => {
  let store: Store
  let sim: ServiceNowSimulator
  beforeAll(async () => {
    store = await factory.open()
    sim = await startServiceNowSimulator(tenant())
    // Six access requests and one of another catalog item, which the filter leaves out.
    for (const [i, who] of ['ann', 'bob', 'carol', 'dave', 'erin', 'frank'].entries()) {
      sim.control.createTicket!({
        requestedFor: who,
        openedBy: 'gina',
        variables: { action: i === 5 ? 'remove' : 'add', group_name: `Group-${i}, Shared` },
      })
    }
    sim.control.createTicket!({ requestedFor: 'ann', catalogItem: 'Laptop', variables: { model: 'x' } })
    sim.control.approve!({ ticket: 'RITM0010001', approver: 'gina' })
  })
  afterAll(async () => {
    await sim?.close()
    await store?.close()
  })

  it('a full run reads every access request; an incremental run picks up exactly the changed ones', async () => {
    const config = configFor(sim, 'snow-inc')
    const full = await runConnectorSync(store.db, config, { logger: silentLogger() })
    expect(full.error).toBeNull()
    expect(full.streams[0]).toMatchObject({ mode: 'full', records: 6 })
    const tickets = await listTickets(store.db, 'snow-inc')
    expect(tickets.map((t) => t.key).sort()).toEqual([
      'RITM0010001',
      'RITM0010002',
      'RITM0010003',
      'RITM0010004',
      'RITM0010005',
      'RITM0010006',
    ])
    const first = tickets.find((t) => t.key === 'RITM0010001')!
    expect(first).toMatchObject({
      kind: 'grant',
      state: 'approved',
      approval: 'approved',
      beneficiary: 'ann@contoso.com',
      requester: 'gina@contoso.com',
      targets: [
        { system: null, entitlement: 'Group-0' },
        { system: null, entitlement: 'Shared' },
      ],
      unmappable: null,
    })
    expect(first.approvals).toMatchObject([{ approver: 'gina@contoso.com', decision: 'approved' }])
    expect(tickets.find((t) => t.key === 'RITM0010006')!.kind).toBe('revoke')

    // Nothing changed: an incremental run re-reads the overlap window but writes nothing.
    const quiet = await runConnectorSync(store.db, config, { logger: silentLogger() })
    expect(quiet.streams[0]).toMatchObject({ mode: 'incremental', records: 0 })

    sim.control.reject!({ ticket: 'RITM0010002', approver: 'gina' })
    sim.control.setVariable!({ ticket: 'RITM0010003', name: 'group_name', value: 'Group-2, Finance' })
    sim.control.fulfil!({ ticket: 'RITM0010001' })
    const inc = await runConnectorSync(store.db, config, { logger: silentLogger() })
    expect(inc.error).toBeNull()
    expect(inc.streams[0]).toMatchObject({ mode: 'incremental', records: 3 })
    const after = new Map((await listTickets(store.db, 'snow-inc')).map((t) => [t.key, t]))
    expect(after.get('RITM0010001')).toMatchObject({ state: 'fulfilled', approval: 'approved' })
    expect(after.get('RITM0010001')!.closedAt).not.toBeNull()
    expect(after.get('RITM0010002')).toMatchObject({ state: 'rejected', approval: 'rejected' })
    expect(after.get('RITM0010003')!.targets.map((t) => t.entitlement)).toEqual(['Group-2', 'Finance'])
    expect(after.size).toBe(6)
  })

  it('resumes a killed full run from its last committed page, removing nothing meanwhile', async () => {
    const config = configFor(sim, 'snow-resume')
    await syncKilledAfter(store, config, 1)
    expect(await listTickets(store.db, 'snow-resume')).toHaveLength(2)
    expect(await getCursor(store.db, 'snow-resume', 'tickets')).toMatchObject({ mode: 'full' })

    const resumed = await runConnectorSync(store.db, config, { logger: silentLogger() })
    expect(resumed.error).toBeNull()
    expect(resumed.streams[0]).toMatchObject({ mode: 'full', status: 'succeeded', records: 4, removed: 0 })
    // Pages 2 and 3 only (and a last, empty one): the first page is not read again.
    expect(itemPages(resumed)).toBe(2)
    const all = await listTickets(store.db, 'snow-resume')
    expect(all).toHaveLength(6)
    expect(all.every((t) => t.removedAt === null)).toBe(true)
  })

  it('puts the watermark on every ^NQ branch of the filter', async () => {
    const config = configFor(sim, 'snow-nq')
    // An hour on: the rows made above are older than the overlap window, so the dedupe of re-read rows cannot
    // hide a branch that was read without the watermark.
    process.env.ACCORD_NOW = new Date(Date.now() + 3_600_000).toISOString()
    onTestFinished(() => {
      delete process.env.ACCORD_NOW
    })
    // Grants for ann OR (a new query) anything for bob: two branches.
    config.tickets!.filter = `requested_for.user_name=ann^NQrequested_for.user_name=bob^ORrequested_for.user_name=carol`
    const full = await runConnectorSync(store.db, config, { logger: silentLogger() })
    expect(full.error).toBeNull()
    // ann's two requests (one is the Laptop item) and bob's and carol's.
    expect((await listTickets(store.db, 'snow-nq')).map((t) => t.key).sort()).toEqual([
      'RITM0010001',
      'RITM0010002',
      'RITM0010003',
      'RITM0010007',
    ])
    sim.control.setField!({ ticket: 'RITM0010007', field: 'short_description', value: 'Laptop, urgent' })
    sim.control.setField!({ ticket: 'RITM0010003', field: 'short_description', value: 'Access, urgent' })
    sim.control.setField!({ ticket: 'RITM0010004', field: 'short_description', value: 'not selected' })
    const inc = await runConnectorSync(store.db, config, { logger: silentLogger() })
    expect(inc.error).toBeNull()
    // Exactly the changed items of either branch; dave's RITM0010004 is in neither.
    expect(inc.streams[0]).toMatchObject({ mode: 'incremental', records: 2 })
    expect((await listTickets(store.db, 'snow-nq')).map((t) => t.key)).not.toContain('RITM0010004')
  })

  it('resumes a killed incremental run after the last key it committed', async () => {
    const config = configFor(sim, 'snow-inc-resume')
    expect((await runConnectorSync(store.db, config, { logger: silentLogger() })).error).toBeNull()
    for (const n of [1, 2, 3, 4, 5])
      sim.control.setField!({ ticket: `RITM001000${n}`, field: 'short_description', value: `edited ${n}` })
    // Pages of two: the killed run commits its first page (earlier tests' edits may share it).
    const first = await syncKilledAfter(store, config, 1)
    expect(first).toBeGreaterThan(0)
    expect(await getCursor(store.db, 'snow-inc-resume', 'tickets')).toMatchObject({
      mode: 'incremental',
      position: { after: { id: expect.any(String) } },
    })
    const resumed = await runConnectorSync(store.db, config, { logger: silentLogger() })
    expect(resumed.error).toBeNull()
    // The rest of the five edited items, each once: nothing before the committed key is read again.
    expect(resumed.streams[0]).toMatchObject({ mode: 'incremental', records: 5 - first })
    const quiet = await runConnectorSync(store.db, config, { logger: silentLogger() })
    expect(quiet.streams[0]).toMatchObject({ mode: 'incremental', records: 0 })
  })
})

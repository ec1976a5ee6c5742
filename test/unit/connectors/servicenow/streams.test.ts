import nock from 'nock'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ServiceNowConfig } from '../../../../src/connectors/servicenow/config.ts'
import { silentLogger } from '../../../../src/core/logger.ts'
import type { Store } from '../../../../src/store/open.ts'
import { listTickets } from '../../../../src/store/repositories/tickets.ts'
import { runConnectorSync } from '../../../../src/sync/run-connector.ts'
import { useHttpMock } from '../../../helpers/http-mock.ts'
import { openTempPglite } from '../../../helpers/store.ts'

const BASE = 'https://acme.service-now.com'
const sys = (c: string) => c.repeat(32)
const [A, B, C] = [sys('a'), sys('b'), sys('c')]
const [ANN, BOB, CAROL] = [sys('1'), sys('2'), sys('3')]

const config = ServiceNowConfig.parse({
  id: 'snow',
  kind: 'servicenow',
  baseUrl: BASE,
  auth: { type: 'basic', username: 'svc', password: 'pw-secret' },
  pageSize: 10,
  tickets: {
    filter: 'cat_item.name=Access Request',
    map: {
      kind: { from: 'variables.action', values: { add: 'grant', remove: 'revoke' } },
      beneficiary: { from: 'requested_for.email' },
      targets: { from: 'variables.group_name', split: ',' },
      expiresAt: { from: 'variables.end_date', date: { format: 'yyyy-MM-dd', zone: 'Europe/Paris' } },
    },
  },
})

const item = (sysId: string, number: string, fields: Record<string, unknown>) => ({
  sys_id: sysId,
  number,
  sys_created_on: '2026-11-01 09:00:00',
  sys_updated_on: '2026-11-02 10:00:00',
  state: '1',
  approval: 'requested',
  closed_at: '',
  opened_by: BOB,
  requested_for: '',
  ...fields,
})

describe('servicenow/streams: the tickets stream', () => {
  useHttpMock()
  let store: Store
  // One store per file (opening one is slow); each test uses its own connector id.
  beforeAll(async () => {
    store = await openTempPglite()
  })
  afterAll(async () => {
    await store.close()
  })

  it('reads a page of items with their variables, approvals and users in one batched request each', async () => {
    const scope = nock(BASE)
    scope
      .get('/api/now/v2/table/sc_req_item')
      .query(
        (q) =>
          q.sysparm_query === 'cat_item.name=Access Request^sys_idISNOTEMPTY^ORDERBYsys_id' &&
          q.sysparm_display_value === 'false' &&
          q.sysparm_limit === '10' &&
          String(q.sysparm_fields).split(',').includes('requested_for'),
      )
      .reply(200, {
        result: [
          // A reference as an object with a link, as with default parameters.
          item(A, 'RITM0010001', {
            requested_for: { link: `${BASE}/api/now/table/sys_user/${ANN}`, value: ANN },
            approval: 'approved',
          }),
          // An empty reference is "": the ticket maps with no beneficiary (the reconciler reports it).
          item(B, 'RITM0010002', { requested_for: '' }),
          // A plain sys_id reference; closed complete.
          item(C, 'RITM0010003', {
            requested_for: CAROL,
            state: '3',
            approval: 'approved',
            closed_at: '2026-11-02 10:00:00',
          }),
        ],
      })
    scope
      .get('/api/now/v2/table/sysapproval_approver')
      .query((q) => q.sysparm_query === `sysapprovalIN${A},${B},${C}^ORDERBYsys_id`)
      .reply(200, {
        result: [
          {
            sys_id: sys('d'),
            sysapproval: A,
            approver: CAROL,
            state: 'approved',
            sys_updated_on: '2026-11-01 12:00:00',
          },
          {
            sys_id: sys('e'),
            sysapproval: B,
            approver: { link: 'x', value: CAROL },
            state: 'requested',
            sys_updated_on: '2026-11-01 12:00:00',
          },
          {
            sys_id: sys('f'),
            sysapproval: C,
            approver: BOB,
            state: 'approved',
            sys_updated_on: '2026-11-01 13:00:00',
          },
        ],
      })
    scope
      .get('/api/now/v2/table/sc_item_option_mtom')
      .query((q) => q.sysparm_query === `request_itemIN${A},${B},${C}^ORDERBYsys_id`)
      .reply(200, {
        result: [
          {
            sys_id: sys('7'),
            request_item: A,
            'sc_item_option.value': 'add',
            'sc_item_option.item_option_new.name': 'action',
          },
          {
            sys_id: sys('8'),
            request_item: A,
            'sc_item_option.value': 'VPN-Users, Finance-RO',
            'sc_item_option.item_option_new.name': 'group_name',
          },
          {
            sys_id: sys('9'),
            request_item: A,
            'sc_item_option.value': '2026-12-31',
            'sc_item_option.item_option_new.name': 'end_date',
          },
          {
            sys_id: sys('0'),
            request_item: B,
            'sc_item_option.value': 'add',
            'sc_item_option.item_option_new.name': 'action',
          },
          {
            sys_id: sys('6'),
            request_item: B,
            'sc_item_option.value': 'GitHub',
            'sc_item_option.item_option_new.name': 'group_name',
          },
          {
            sys_id: sys('5'),
            request_item: C,
            'sc_item_option.value': 'remove',
            'sc_item_option.item_option_new.name': 'action',
          },
          {
            sys_id: sys('4'),
            request_item: C,
            'sc_item_option.value': 'AWS-Prod',
            'sc_item_option.item_option_new.name': 'group_name',
          },
        ],
      })
    scope
      .get('/api/now/v2/table/sys_user')
      .query(
        (q) =>
          String(q.sysparm_query).startsWith('sys_idIN') && String(q.sysparm_query).split(',').length === 3,
      )
      .reply(200, {
        result: [
          { sys_id: ANN, user_name: 'ann', email: 'Ann@Contoso.com', name: 'Ann' },
          { sys_id: BOB, user_name: 'bob', email: 'bob@contoso.com', name: 'Bob' },
          { sys_id: CAROL, user_name: 'carol', email: '', name: 'Carol' },
        ],
      })

    const outcome = await runConnectorSync(store.db, config, { logger: silentLogger() })
    expect(outcome.error).toBeNull()
    expect(outcome.streams[0]).toMatchObject({
      stream: 'tickets',
      mode: 'full',
      status: 'succeeded',
      records: 3,
    })
    expect(outcome.stats.requests).toBe(4)

    const tickets = await listTickets(store.db, 'snow')
    const [a, b, c] = tickets
    expect(a).toMatchObject({
      key: 'RITM0010001',
      kind: 'grant',
      state: 'approved',
      approval: 'approved',
      requester: 'bob@contoso.com',
      beneficiary: 'Ann@Contoso.com',
      targets: [
        { system: null, entitlement: 'VPN-Users' },
        { system: null, entitlement: 'Finance-RO' },
      ],
      // Midnight in Paris on 31 December.
      expiresAt: new Date('2026-12-30T23:00:00Z'),
      createdAt: new Date('2026-11-01T09:00:00Z'),
      unmappable: null,
      url: `${BASE}/nav_to.do?uri=sc_req_item.do%3Fsys_id%3D${A}`,
    })
    // Carol has no email: her login stands for her.
    expect(a!.approvals).toEqual([
      { approver: 'carol', decision: 'approved', decidedAt: new Date('2026-11-01T12:00:00Z') },
    ])
    expect(b).toMatchObject({
      key: 'RITM0010002',
      beneficiary: null,
      unmappable: null,
      approval: 'pending',
      state: 'open',
    })
    expect(b!.approvals).toEqual([{ approver: 'carol', decision: 'pending', decidedAt: null }])
    expect(c).toMatchObject({
      kind: 'revoke',
      state: 'fulfilled',
      closedAt: new Date('2026-11-02T10:00:00Z'),
      beneficiary: null,
    })
    expect(c!.unmappable).toBeNull()
  })

  it('refuses a filter that sorts before making any request', async () => {
    const bad = ServiceNowConfig.parse({
      ...config,
      tickets: { ...config.tickets!, filter: 'active=true^ORDERBYnumber', overlap: '5m' },
    })
    const outcome = await runConnectorSync(store.db, bad, { logger: silentLogger() })
    expect(outcome.status).toBe('failed')
    expect(outcome.error).toMatch(/must not sort/)
  })
})

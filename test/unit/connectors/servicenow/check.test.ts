import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { checkServiceNow } from '../../../../src/connectors/servicenow/check.ts'
import { ServiceNowConfig } from '../../../../src/connectors/servicenow/config.ts'
import { silentLogger } from '../../../../src/core/logger.ts'
import { useHttpMock } from '../../../helpers/http-mock.ts'

const BASE = 'https://acme.service-now.com'
const ctx = { logger: silentLogger(), signal: new AbortController().signal }

describe('servicenow/check', () => {
  useHttpMock()

  it('reads one row of each table the ticket source needs and says which role is missing', async () => {
    const config = ServiceNowConfig.parse({
      id: 'snow',
      kind: 'servicenow',
      baseUrl: BASE,
      auth: { type: 'basic', username: 'svc', password: 'pw-secret' },
      tickets: {
        map: {
          kind: { from: 'variables.action', values: { add: 'grant' } },
          beneficiary: { from: 'requested_for.email' },
          targets: { from: 'variables.group_name' },
        },
      },
    })
    const scope = nock(BASE)
    for (const t of ['sc_req_item', 'sys_user', 'sc_item_option_mtom'])
      scope.get(`/api/now/v2/table/${t}`).query(true).reply(200, { result: [] })
    scope
      .get('/api/now/v2/table/sysapproval_approver')
      .query(true)
      .reply(403, { error: { message: 'Insufficient rights', detail: 'ACL' }, status: 'failure' })
    const items = await checkServiceNow(config, ctx)
    expect(items.find((i) => i.name === 'read sc_req_item')).toMatchObject({ ok: true })
    expect(items.find((i) => i.name === 'read sysapproval_approver')).toMatchObject({
      ok: false,
      fix: 'give the integration user read access to sysapproval_approver (role or ACL)',
    })
    expect(items.find((i) => i.name === 'read sc_item_option_mtom')).toMatchObject({ ok: true })
  })

  it('reports a sorting filter without calling the instance for the tables', async () => {
    const config = ServiceNowConfig.parse({
      id: 'snow',
      kind: 'servicenow',
      baseUrl: BASE,
      auth: { type: 'basic', username: 'svc', password: 'pw-secret' },
      tickets: {
        filter: 'active=true^ORDERBYnumber',
        map: { kind: { from: 'x' }, beneficiary: { from: 'y' }, targets: { from: 'z' } },
      },
    })
    const items = await checkServiceNow(config, ctx)
    expect(items).toEqual([
      expect.objectContaining({
        name: 'tickets.map and tickets.filter',
        ok: false,
        detail: expect.stringMatching(/must not sort/),
      }),
    ])
  })
})

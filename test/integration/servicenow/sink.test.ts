import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ServiceNowConfig, ServiceNowSinkConfig } from '../../../src/connectors/servicenow/config.ts'
import { createServiceNowSink } from '../../../src/connectors/servicenow/sink.ts'
import { silentLogger } from '../../../src/core/logger.ts'
import type { Finding } from '../../../src/model/finding.ts'
import {
  SANDBOX_SERVICENOW_CREDENTIALS,
  type ServiceNowSimulator,
  startServiceNowSimulator,
} from '../../../src/sandbox/servicenow/index.ts'

const finding: Finding = {
  id: '4be0c0ffee11',
  rule: 'ACC-007',
  severity: 'high',
  status: 'open',
  identity: { key: 'frank.li@contoso.com', kind: 'person' },
  entitlement: { source: 'entra', type: 'group', externalId: '7d1c', name: 'Finance-RW' },
  ticket: { source: 'snow', key: 'RITM0010042' },
  credentialKeyId: null,
  title: 'Ticket rejected; access present',
  evidence: { rejectedAt: '2026-11-01T10:00:00Z' },
  firstSeen: new Date('2026-11-02T10:00:00Z'),
  lastSeen: new Date('2026-11-03T10:00:00Z'),
  resolvedAt: null,
  raisedTicket: null,
}

describe('servicenow sink against the sandbox', () => {
  let sim: ServiceNowSimulator
  let config: ServiceNowConfig
  beforeAll(async () => {
    sim = await startServiceNowSimulator({
      instance: 'acme',
      tables: {
        sys_user_group: [
          {
            sys_id: '287ebd7da9fe198100f92cc8d1d2154e',
            name: 'IAM Operations',
            active: 'true',
            sys_created_on: '2026-01-01 00:00:00',
            sys_updated_on: '2026-01-01 00:00:00',
          },
        ],
      },
      references: {},
      aclHidden: [],
    })
    const { clientId, clientSecret } = SANDBOX_SERVICENOW_CREDENTIALS.oauthClients[0]!
    config = ServiceNowConfig.parse({
      id: 'snow',
      kind: 'servicenow',
      baseUrl: sim.url,
      auth: { type: 'oauth', grant: 'client_credentials', clientId, clientSecret },
    })
  })
  afterAll(async () => {
    await sim?.close()
  })

  it('raising one finding twice creates one incident; resolving closes it; a recurrence reopens it', async () => {
    const sink = createServiceNowSink(
      config,
      ServiceNowSinkConfig.parse({ assignmentGroup: 'IAM Operations' }),
      {
        logger: silentLogger(),
        signal: new AbortController().signal,
      },
    )
    const first = await sink.create(finding)
    const second = await sink.create(finding)
    expect(second).toEqual(first)
    const incidents = sim.db.tenant.tables.incident!.filter((r) => r.correlation_id === finding.id)
    expect(incidents).toHaveLength(1)
    expect(incidents[0]).toMatchObject({
      urgency: '2',
      impact: '2',
      assignment_group: '287ebd7da9fe198100f92cc8d1d2154e',
      number: first.key,
    })
    await sink.resolve(first, finding)
    expect(incidents[0]).toMatchObject({ state: '6', close_code: 'Resolved by caller' })
    expect(await sink.find(finding, { waitForConsistency: false })).toMatchObject({ closed: true })
    const reopened = await sink.reopen({ ...first, closed: true }, finding)
    expect(reopened).toMatchObject({ key: first.key, closed: false })
    expect(incidents[0]!.state).toBe('1')
  })
})

import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { ServiceNowConfig, ServiceNowSinkConfig } from '../../../../src/connectors/servicenow/config.ts'
import { createServiceNowSink, neutraliseJournal } from '../../../../src/connectors/servicenow/sink.ts'
import { silentLogger } from '../../../../src/core/logger.ts'
import type { Finding } from '../../../../src/model/finding.ts'
import { useHttpMock } from '../../../helpers/http-mock.ts'

const BASE = 'https://acme.service-now.com'
const TABLE = '/api/now/v2/table/incident'
const INC = 'c537bae6c537bae6c537bae6c537bae6'
const GROUP = '287ebd7da9fe198100f92cc8d1d2154e'

const config = ServiceNowConfig.parse({
  id: 'snow',
  kind: 'servicenow',
  baseUrl: BASE,
  auth: { type: 'basic', username: 'svc', password: 'pw-secret' },
})

const finding: Finding = {
  id: 'f3a9c0ffee',
  rule: 'ACC-001',
  severity: 'critical',
  status: 'open',
  identity: { key: 'frank.li@contoso.com', kind: 'person' },
  entitlement: {
    source: 'entra',
    type: 'group',
    externalId: '7d1c',
    name: 'Domain [code]<b>Admins</b>[/code]',
  },
  ticket: null,
  credentialKeyId: null,
  title: 'Direct grant with no covering ticket',
  evidence: { grantedAt: '2026-11-01T10:00:00Z' },
  firstSeen: new Date('2026-11-02T10:00:00Z'),
  lastSeen: new Date('2026-11-03T10:00:00Z'),
  resolvedAt: null,
  raisedTicket: null,
}

const sinkWith = (over: Record<string, unknown> = {}) =>
  createServiceNowSink(config, ServiceNowSinkConfig.parse({ assignmentGroup: 'IAM Operations', ...over }), {
    logger: silentLogger(),
    signal: new AbortController().signal,
  })

function lookup(scope: nock.Scope, result: unknown[]) {
  return scope
    .get(TABLE)
    .query((q) => q.sysparm_query === 'correlation_id=f3a9c0ffee^ORDERBYDESCsys_created_on')
    .reply(200, { result })
}

describe('servicenow/sink', () => {
  useHttpMock()

  it('raising one finding twice creates one incident, with priority, group, evidence and correlation id', async () => {
    const scope = nock(BASE)
    let created: Record<string, string> = {}
    lookup(scope, [])
    scope
      .get('/api/now/v2/table/sys_user_group')
      .query((q) => q.sysparm_query === 'name=IAM Operations')
      .reply(200, { result: [{ sys_id: GROUP, name: 'IAM Operations' }] })
    scope
      .post(TABLE, (b) => {
        created = b
        return true
      })
      .query(true)
      .reply(201, { result: { sys_id: INC, number: 'INC0010002', state: '1', active: 'true' } })
    lookup(scope, [{ sys_id: INC, number: 'INC0010002', state: '1', active: 'true' }])

    const sink = sinkWith()
    const first = await sink.create(finding)
    const second = await sink.create(finding)
    expect(first).toEqual({
      key: 'INC0010002',
      externalId: INC,
      closed: false,
      url: `${BASE}/nav_to.do?uri=incident.do%3Fsys_id%3D${INC}`,
    })
    expect(second).toEqual(first)
    expect(created).toMatchObject({
      urgency: '1',
      impact: '1',
      assignment_group: GROUP,
      category: 'inquiry',
      correlation_id: 'f3a9c0ffee',
      short_description: '[accord ACC-001] Direct grant with no covering ticket',
    })
    expect(created.description).toContain('Who: frank.li@contoso.com')
    expect(created.description).toContain('grantedAt: 2026-11-01T10:00:00Z')
    expect(created.description).toContain('What to do')
    // Markup that journal fields would render as HTML is neutralised.
    expect(created.description).not.toMatch(/\[\/?code\]/i)
  })

  it('adds a work note, resolves with the configured state and close code, and reopens', async () => {
    const scope = nock(BASE)
    const bodies: Record<string, string>[] = []
    const patch = (state: string) =>
      scope
        .patch(`${TABLE}/${INC}`, (b) => {
          bodies.push(b)
          return true
        })
        .query(true)
        .reply(200, {
          result: { sys_id: INC, number: 'INC0010002', state, active: state === '6' ? 'false' : 'true' },
        })
    patch('1')
    patch('6')
    patch('2')
    const sink = sinkWith({ reopenState: '2' })
    const record = { key: 'INC0010002', externalId: INC, closed: false, url: null }
    await sink.update(record, finding, 'severity raised to critical')
    await sink.resolve(record, finding)
    const reopened = await sink.reopen({ ...record, closed: true }, finding)
    expect(bodies[0]).toEqual({ work_notes: 'accord: severity raised to critical' })
    expect(bodies[1]).toMatchObject({ state: '6', close_code: 'Resolved by caller' })
    expect(bodies[1]!.close_notes).toMatch(/the drift is gone/)
    expect(bodies[2]).toMatchObject({ state: '2' })
    expect(reopened).toMatchObject({ key: 'INC0010002', closed: false })
  })

  it('raises a new record referencing the old when the instance refuses to reopen', async () => {
    const scope = nock(BASE)
    let created: Record<string, string> = {}
    scope
      .patch(`${TABLE}/${INC}`)
      .query(true)
      .reply(403, {
        error: { message: 'Operation Failed', detail: 'Data Policy Exception' },
        status: 'failure',
      })
    scope
      .post(TABLE, (b) => {
        created = b
        return true
      })
      .query(true)
      .reply(201, { result: { sys_id: 'd'.repeat(32), number: 'INC0010009', state: '1', active: 'true' } })
    const sink = sinkWith({ assignmentGroup: GROUP })
    const fresh = await sink.reopen(
      { key: 'INC0010002', externalId: INC, closed: true, url: 'https://old' },
      finding,
    )
    expect(fresh.key).toBe('INC0010009')
    expect(created.description).toMatch(/^Recurrence of INC0010002 \(https:\/\/old\)/)
    expect(created.correlation_id).toBe('f3a9c0ffee')
    expect(created.assignment_group).toBe(GROUP)
  })

  it('a create that finds the record closed reopens it instead of raising a second one', async () => {
    const scope = nock(BASE)
    lookup(scope, [{ sys_id: INC, number: 'INC0010002', state: '6', active: 'false' }])
    scope
      .patch(`${TABLE}/${INC}`, (b) => b.state === '1')
      .query(true)
      .reply(200, { result: { sys_id: INC, number: 'INC0010002', state: '1', active: 'true' } })
    await expect(sinkWith().create(finding)).resolves.toMatchObject({ key: 'INC0010002', closed: false })
  })

  it('finds a closed record as closed', async () => {
    lookup(nock(BASE), [{ sys_id: INC, number: 'INC0010002', state: '7', active: 'false' }])
    await expect(sinkWith().find(finding, { waitForConsistency: true })).resolves.toMatchObject({
      closed: true,
    })
  })

  it('neutralises [code] in any case', () => {
    expect(neutraliseJournal('a [CODE]<script>[/Code] b')).toBe('a (code)<script>(/code) b')
  })
})

import { randomUUID } from 'node:crypto'
import nock from 'nock'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { JiraConfig } from '../../../../src/connectors/jira/config.ts'
import { jiraConnector } from '../../../../src/connectors/jira/index.ts'
import type { SyncContext } from '../../../../src/connectors/types.ts'
import { silentLogger } from '../../../../src/core/logger.ts'
import type { Store } from '../../../../src/store/open.ts'
import { startSyncRun } from '../../../../src/store/repositories/sync-runs.ts'
import { listTickets } from '../../../../src/store/repositories/tickets.ts'
import { runConnectorSync } from '../../../../src/sync/run-connector.ts'
import { DbStreamWriter } from '../../../../src/sync/stream-writer.ts'
import { useHttpMock } from '../../../helpers/http-mock.ts'
import { describeEachStore } from '../../../helpers/store.ts'

const BASE = 'https://acme.atlassian.net'
const NOW = '2026-05-15T01:02:30Z'

const configFor = (id: string) =>
  JiraConfig.parse({
    id,
    kind: 'jira',
    baseUrl: BASE,
    auth: { type: 'basic', email: 'svc@acme.com', token: 'jira-token-secret' },
    pageSize: 2,
    tickets: {
      jql: 'project = ACCESS',
      approvals: false,
      map: {
        kind: { from: 'fields.customfield_10072.value', values: { Add: 'grant', Remove: 'revoke' } },
        beneficiary: { from: 'fields.customfield_10071' },
        targets: { from: 'fields.customfield_10073', split: ',' },
      },
    },
  })

const issue = (n: number, updated: string, groups = 'VPN') => ({
  id: String(10000 + n),
  key: `ACCESS-${n}`,
  fields: {
    status: { name: 'Open', statusCategory: { key: 'new' } },
    created: '2026-05-15T09:00:00.000+0900',
    updated,
    customfield_10072: { value: 'Add' },
    customfield_10071: `user${n}@contoso.com`,
    customfield_10073: groups,
  },
})

function searchReturns(jql: string, pages: unknown[][]) {
  const scope = nock(BASE)
  pages.forEach((issues, i) => {
    scope
      .post(
        '/rest/api/3/search/jql',
        (b) => b.jql === jql && (i === 0 ? !b.nextPageToken : b.nextPageToken === `p${i}`),
      )
      .reply(200, {
        issues,
        isLast: i === pages.length - 1,
        nextPageToken: i < pages.length - 1 ? `p${i + 1}` : undefined,
      })
  })
}

describeEachStore(import.meta.url, 'jira: incremental runs and resume, against a store', (factory) => {
  useHttpMock()
  let store: Store
  beforeAll(async () => {
    process.env.ACCORD_NOW = NOW
    store = await factory.open()
  })
  afterAll(async () => {
    delete process.env.ACCORD_NOW
    await store.close()
  })
  afterEach(() => {
    process.env.ACCORD_NOW = NOW
  })

  it('picks up exactly the changed issues after the watermark, at minute precision with the overlap', async () => {
    const config = configFor('jira-inc')
    searchReturns('(project = ACCESS) ORDER BY updated ASC, key ASC', [
      [issue(1, '2026-05-15T10:00:00.000+0900'), issue(2, '2026-05-15T10:01:00.000+0900')],
      [issue(3, '2026-05-15T10:02:00.000+0900')],
    ])
    const full = await runConnectorSync(store.db, config, { logger: silentLogger() })
    expect(full.streams[0]).toMatchObject({ mode: 'full', records: 3, status: 'succeeded' })

    process.env.ACCORD_NOW = '2026-05-15T02:00:00Z'
    // The watermark is the full run's start (01:02:30) less the 5-minute overlap, floored to the minute. The
    // overlap re-reads issues 2 and 3 unchanged; issue 3 changed since; issue 4 is new.
    searchReturns('(project = ACCESS) AND updated >= "2026/05/15 00:57" ORDER BY updated ASC, key ASC', [
      [issue(1, '2026-05-15T10:00:00.000+0900'), issue(2, '2026-05-15T10:01:00.000+0900')],
      [issue(3, '2026-05-15T10:30:00.000+0900', 'VPN,Finance'), issue(4, '2026-05-15T10:40:00.000+0900')],
    ])
    const inc = await runConnectorSync(store.db, config, { logger: silentLogger() })
    expect(inc.error).toBeNull()
    expect(inc.streams[0]).toMatchObject({ mode: 'incremental', records: 2 })
    const byKey = new Map((await listTickets(store.db, 'jira-inc')).map((t) => [t.key, t]))
    expect(byKey.get('ACCESS-3')!.targets.map((t) => t.entitlement)).toEqual(['VPN', 'Finance'])
    expect(byKey.size).toBe(4)

    // The next watermark is the latest update read (01:40Z), less the overlap.
    searchReturns('(project = ACCESS) AND updated >= "2026/05/15 01:35" ORDER BY updated ASC, key ASC', [
      [issue(4, '2026-05-15T10:40:00.000+0900')],
    ])
    const quiet = await runConnectorSync(store.db, config, { logger: silentLogger() })
    expect(quiet.streams[0]).toMatchObject({ mode: 'incremental', records: 0 })
  })

  it('resumes a killed full run from the last update time it committed', async () => {
    const config = configFor('jira-resume')
    // The first page says more follow; the process dies before asking for them.
    nock(BASE)
      .post('/rest/api/3/search/jql')
      .reply(200, {
        issues: [issue(1, '2026-05-15T10:00:00.000+0900'), issue(2, '2026-05-15T10:01:00.000+0900')],
        isLast: false,
        nextPageToken: 'p1',
      })
    const runId = randomUUID()
    const seq = await startSyncRun(store.db, {
      id: runId,
      connectorId: config.id,
      kind: 'jira',
      requestedMode: 'auto',
      at: new Date(NOW),
    })
    const abort = new AbortController()
    const ctx: SyncContext<JiraConfig> = {
      config,
      logger: silentLogger(),
      signal: abort.signal,
      db: store.db,
      now: new Date(NOW),
      openStream: async () => {
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
          jiraConnector.ticketSource!.streams[0]!,
        )
        const write = w.write.bind(w)
        w.write = async (b) => {
          await write(b)
          abort.abort(new Error('killed'))
        }
        return w
      },
    }
    await expect(jiraConnector.ticketSource!.sync(ctx)).rejects.toThrow('killed')

    // The resumed listing asks from the last committed update time (01:01Z), floored to the minute.
    searchReturns('(project = ACCESS) AND updated >= "2026/05/15 01:01" ORDER BY updated ASC, key ASC', [
      [issue(2, '2026-05-15T10:01:00.000+0900'), issue(3, '2026-05-15T10:02:00.000+0900')],
    ])
    const resumed = await runConnectorSync(store.db, config, { logger: silentLogger() })
    expect(resumed.streams[0]).toMatchObject({ mode: 'full', status: 'succeeded', removed: 0 })
    const all = await listTickets(store.db, 'jira-resume')
    expect(all.map((t) => t.key)).toEqual(['ACCESS-1', 'ACCESS-2', 'ACCESS-3'])
    expect(all.every((t) => t.removedAt === null)).toBe(true)
  })

  it('a forced full run keeps the stored approvals of unchanged issues and asks JSM only for changed ones', async () => {
    const base = configFor('jira-approvals')
    const config = JiraConfig.parse({
      ...base,
      tickets: { ...base.tickets!, approvals: true, overlap: '5m' },
    })
    const approval = (who: string) => ({
      isLastPage: true,
      values: [
        {
          id: '1',
          finalDecision: 'approved',
          approvers: [
            {
              approver: { accountId: who, emailAddress: `${who}@contoso.com` },
              approverDecision: 'approved',
            },
          ],
          completedDate: { iso8601: '2026-05-15T09:30:00+0900' },
        },
      ],
    })
    searchReturns('(project = ACCESS) ORDER BY updated ASC, key ASC', [
      [issue(1, '2026-05-15T10:00:00.000+0900'), issue(2, '2026-05-15T10:01:00.000+0900')],
    ])
    const scope = nock(BASE)
    scope.get('/rest/servicedeskapi/request/ACCESS-1/approval').query(true).reply(200, approval('carol'))
    scope.get('/rest/servicedeskapi/request/ACCESS-2/approval').query(true).reply(200, approval('dave'))
    expect((await runConnectorSync(store.db, config, { logger: silentLogger() })).error).toBeNull()

    // Issue 2 changed; issue 1 did not: only issue 2's approvals are asked for.
    searchReturns('(project = ACCESS) ORDER BY updated ASC, key ASC', [
      [issue(1, '2026-05-15T10:00:00.000+0900'), issue(2, '2026-05-15T10:20:00.000+0900')],
    ])
    nock(BASE).get('/rest/servicedeskapi/request/ACCESS-2/approval').query(true).reply(200, approval('erin'))
    const again = await runConnectorSync(store.db, config, { full: true, logger: silentLogger() })
    expect(again.streams[0]).toMatchObject({ mode: 'full', records: 2, removed: 0 })
    const byKey = new Map((await listTickets(store.db, 'jira-approvals')).map((t) => [t.key, t]))
    expect(byKey.get('ACCESS-1')).toMatchObject({
      approval: 'approved',
      approvals: [
        { approver: 'carol@contoso.com', decision: 'approved', decidedAt: new Date('2026-05-15T00:30:00Z') },
      ],
    })
    expect(byKey.get('ACCESS-2')!.approvals.map((a) => a.approver)).toEqual(['erin@contoso.com'])
  })
})

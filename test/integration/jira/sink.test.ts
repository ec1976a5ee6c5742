import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JiraConfig, JiraSinkConfig } from '../../../src/connectors/jira/config.ts'
import { createJiraSink, FINDING_PROPERTY } from '../../../src/connectors/jira/sink.ts'
import { silentLogger } from '../../../src/core/logger.ts'
import type { Finding } from '../../../src/model/finding.ts'
import {
  type JiraSimulator,
  SANDBOX_JIRA_CREDENTIALS,
  startJiraSimulator,
} from '../../../src/sandbox/jira/index.ts'
import { JIRA_STATUSES } from '../../../src/sandbox/scenario/world.ts'
import type { JiraTenant } from '../../../src/sandbox/state.ts'

const SEARCH_DELAY_MS = 600

function tenant(): JiraTenant {
  return {
    site: 'acme.atlassian.net',
    projects: [{ id: '10001', key: 'IAM', name: 'IAM' }],
    fields: [],
    users: [
      {
        accountId: 'acc-svc',
        displayName: 'accord',
        emailAddress: 'svc-accord@contoso.com',
        active: true,
        accountType: 'atlassian',
      },
    ],
    issues: [],
    statuses: JIRA_STATUSES,
    transitions: [
      { id: '31', name: 'Resolve', to: '10002' },
      { id: '41', name: 'Reopen', to: '10005' },
    ],
  }
}

const finding: Finding = {
  id: '9c1e5ab0d00d',
  rule: 'ACC-001',
  severity: 'critical',
  status: 'open',
  identity: { key: 'frank.li@contoso.com', kind: 'person' },
  entitlement: { source: 'okta', type: 'app', externalId: '0oa1', name: 'AWS Console' },
  ticket: null,
  credentialKeyId: null,
  title: 'Direct grant with no covering ticket',
  evidence: {},
  firstSeen: new Date('2026-11-02T10:00:00Z'),
  lastSeen: new Date('2026-11-03T10:00:00Z'),
  resolvedAt: null,
  raisedTicket: null,
}

describe('jira sink against the sandbox (search delay on)', () => {
  let sim: JiraSimulator
  let config: JiraConfig
  beforeAll(async () => {
    sim = await startJiraSimulator(tenant(), { searchDelayMs: SEARCH_DELAY_MS })
    const { email, token } = SANDBOX_JIRA_CREDENTIALS.tokens[0]!
    config = JiraConfig.parse({
      id: 'jira',
      kind: 'jira',
      baseUrl: sim.url,
      auth: { type: 'basic', email, token },
      searchConsistencyMs: SEARCH_DELAY_MS + 400,
    })
  })
  afterAll(async () => {
    await sim?.close()
  })

  const sink = () =>
    createJiraSink(config, JiraSinkConfig.parse({ project: 'IAM' }), {
      logger: silentLogger(),
      signal: new AbortController().signal,
    })

  it('creates one issue across a crash between create and commit, then resolves and reopens it', async () => {
    const created = await sink().create(finding)
    expect(created.key).toMatch(/^IAM-\d+$/)
    const stored = sim.db.tenant.issues.find((i) => i.key === created.key)!
    expect(stored.fields.priority).toMatchObject({ name: 'Highest' })
    expect(stored.fields.labels).toEqual(['accord-finding', 'accord-9c1e5ab0d00d'])
    expect(stored.properties[FINDING_PROPERTY]).toEqual({ fingerprint: '9c1e5ab0d00d', rule: 'ACC-001' })

    // A crash before the outbox committed: the new process asks whether the create happened. Search has not
    // caught up yet, so a plain lookup misses it; the lookup that waits out the window finds it.
    const restarted = sink()
    expect(await restarted.find(finding, { waitForConsistency: false })).toBeNull()
    const confirmed = await restarted.find(finding, { waitForConsistency: true })
    expect(confirmed?.key).toBe(created.key)
    // And a create now returns the same issue instead of a second one.
    expect((await restarted.create(finding)).key).toBe(created.key)
    expect(
      sim.db.tenant.issues.filter((i) => (i.fields.labels as string[]).includes('accord-9c1e5ab0d00d')),
    ).toHaveLength(1)

    await restarted.resolve(confirmed!, finding)
    expect((stored.fields.status as { name: string }).name).toBe('Done')
    const reopened = await restarted.reopen({ ...confirmed!, closed: true }, finding)
    expect(reopened.key).toBe(created.key)
    expect((stored.fields.status as { name: string }).name).toBe('To Do')
    expect(stored.comments.length).toBe(2)
  })
})

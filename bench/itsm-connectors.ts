/**
 * The ServiceNow and Jira ticket connectors at scale: a full sync of N requested items (each with 3 catalog
 * variables and 1-2 approvals) and of N Jira issues (each with a JSM approval) from the sandbox simulators into
 * a fresh embedded store, then an incremental run after 1% of them changed, then a forced full run. Prints requests per 1,000 tickets,
 * tickets/s and peak RSS, and records them in bench/results/itsm-connectors.md.
 *
 *   npm run bench:itsm-connectors                 200k of each
 *   npm run bench:itsm-connectors -- --n 20000    a smaller run
 *   npm run bench:itsm-connectors -- --only jira
 *
 * The simulators run in this process (lifted rate limits), so the figures include serving: they are a floor for
 * a separate accord process against a real instance, whose own latency will dominate.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { JiraConfig } from '../src/connectors/jira/config.ts'
import { ServiceNowConfig } from '../src/connectors/servicenow/config.ts'
import { silentLogger } from '../src/core/logger.ts'
import { SANDBOX_JIRA_CREDENTIALS, startJiraSimulator } from '../src/sandbox/jira/index.ts'
import { SANDBOX_SERVICENOW_CREDENTIALS, startServiceNowSimulator } from '../src/sandbox/servicenow/index.ts'
import type { JiraIssue, JiraTenant, JiraUser, ServiceNowTenant, SnRecord } from '../src/sandbox/state.ts'
import { migrateToLatest } from '../src/store/migrate.ts'
import { openStore } from '../src/store/open.ts'
import { runConnectorSync, type SyncOutcome } from '../src/sync/run-connector.ts'

const { values } = parseArgs({
  options: { n: { type: 'string', default: '200000' }, only: { type: 'string' }, page: { type: 'string' } },
})
const N = Number(values.n)
const USERS = Math.max(100, Math.floor(N / 10))
const hex = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(32 - prefix.length, '0')}`
const BASE_MS = Date.UTC(2026, 0, 1)
const snTime = (min: number) => new Date(BASE_MS + min * 60_000).toISOString().slice(0, 19).replace('T', ' ')

function serviceNowTenant(): ServiceNowTenant {
  const users: SnRecord[] = []
  for (let i = 0; i < USERS; i++)
    users.push({
      sys_id: hex('a', i),
      user_name: `user${i}`,
      email: `user${i}@contoso.com`,
      name: `User ${i}`,
      active: 'true',
    })
  users.push({
    sys_id: hex('a', USERS),
    user_name: 'svc_accord',
    email: 'svc@contoso.com',
    name: 'accord',
    active: 'true',
  })
  const defs = ['action', 'group_name', 'target_system'].map((name, i) => ({
    sys_id: hex('d', i),
    name,
    question_text: name,
  }))
  const items: SnRecord[] = []
  const options: SnRecord[] = []
  const links: SnRecord[] = []
  const approvals: SnRecord[] = []
  for (let i = 0; i < N; i++) {
    const id = hex('f', i)
    items.push({
      sys_id: id,
      number: `RITM${String(10001 + i).padStart(7, '0')}`,
      cat_item: hex('c', 0),
      requested_for: hex('a', i % USERS),
      opened_by: hex('a', (i * 7) % USERS),
      state: String([1, 2, 3, 4][i % 4]),
      approval: i % 5 === 0 ? 'requested' : 'approved',
      short_description: `Access request ${i}`,
      closed_at: '',
      sys_created_on: snTime(i),
      sys_updated_on: snTime(i + 30),
    })
    const vals = [i % 7 === 0 ? 'remove' : 'add', `group-${i % 500},vpn`, i % 2 ? 'entra' : 'okta']
    for (const [k, def] of defs.entries()) {
      const option = hex(`e${k}`, i)
      options.push({ sys_id: option, item_option_new: def.sys_id, value: vals[k]! })
      links.push({ sys_id: hex(`b${k}`, i), request_item: id, sc_item_option: option })
    }
    for (let a = 0; a < 1 + (i % 2); a++) {
      approvals.push({
        sys_id: hex(`9${a}`, i),
        approver: hex('a', (i + 13 * (a + 1)) % USERS),
        state: i % 5 === 0 ? 'requested' : 'approved',
        sysapproval: id,
        source_table: 'sc_req_item',
        document_id: id,
        sys_updated_on: snTime(i + 10),
      })
    }
  }
  return {
    instance: 'bench',
    tables: {
      sys_user: users,
      sc_cat_item: [{ sys_id: hex('c', 0), name: 'Access Request', active: 'true' }],
      sc_req_item: items,
      item_option_new: defs,
      sc_item_option: options,
      sc_item_option_mtom: links,
      sysapproval_approver: approvals,
    },
    references: {},
    aclHidden: items.filter((_, i) => i % 1000 === 0).map((r) => r.sys_id!),
  }
}

function jiraTenant(): JiraTenant {
  const users: JiraUser[] = []
  for (let i = 0; i < USERS; i++)
    users.push({
      accountId: `712020:${i}`,
      displayName: `User ${i}`,
      emailAddress: i % 3 ? `user${i}@contoso.com` : undefined,
      active: true,
      accountType: 'atlassian',
    })
  users.push({
    accountId: 'svc',
    displayName: 'accord',
    emailAddress: SANDBOX_JIRA_CREDENTIALS.tokens[0]!.email,
    active: true,
    accountType: 'atlassian',
  })
  const statuses: JiraTenant['statuses'] = [
    { id: '1', name: 'Open', statusCategory: { id: 2, key: 'new', name: 'To Do' } },
    { id: '10001', name: 'Done', statusCategory: { id: 3, key: 'done', name: 'Done' } },
  ]
  const issues: JiraIssue[] = []
  for (let i = 0; i < N; i++) {
    const created = new Date(BASE_MS + i * 60_000).toISOString().replace('Z', '+0000')
    const s = statuses[i % 2]!
    issues.push({
      id: String(10000 + i),
      key: `ACCESS-${i + 1}`,
      fields: {
        summary: `Access request ${i}`,
        project: { id: '10000', key: 'ACCESS', name: 'Access' },
        issuetype: { id: '10100', name: 'Access Request' },
        status: { id: s.id, name: s.name, statusCategory: s.statusCategory },
        reporter: { accountId: users[i % USERS]!.accountId, displayName: users[i % USERS]!.displayName },
        labels: [],
        created,
        updated: created,
        resolutiondate: null,
        customfield_10071: `user${i % USERS}@contoso.com`,
        customfield_10072: { id: '1', value: i % 7 ? 'Add' : 'Remove' },
        customfield_10073: `group-${i % 500},vpn`,
      },
      properties: {},
      approvals: [
        {
          id: String(i + 1),
          name: 'Approval',
          finalDecision: i % 5 ? 'approved' : 'pending',
          approvers: [
            { approver: users[(i + 13) % USERS]!, approverDecision: i % 5 ? 'approved' : 'pending' },
          ],
          createdDate: created,
          completedDate: i % 5 ? created : null,
        },
      ],
      comments: [],
    })
  }
  return {
    site: 'bench.atlassian.net',
    projects: [{ id: '10000', key: 'ACCESS', name: 'Access' }],
    fields: [
      { id: 'customfield_10071', name: 'Beneficiary email', custom: true, schema: { type: 'string' } },
      { id: 'customfield_10072', name: 'Action', custom: true, schema: { type: 'option' } },
      { id: 'customfield_10073', name: 'Entitlements', custom: true, schema: { type: 'string' } },
    ],
    users,
    issues,
    statuses,
    transitions: [{ id: '31', name: 'Done', to: '10001' }],
  }
}

interface Row {
  connector: string
  run: string
  tickets: number
  requests: number
  perThousand: number
  seconds: number
  ticketsPerSecond: number
  peakRssMb: number
}
const rows: Row[] = []
let peakRss = 0
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 200)

function record(connector: string, run: string, o: SyncOutcome): void {
  if (o.error) throw new Error(`${connector} ${run} failed: ${o.error}`)
  const tickets = o.streams.reduce((n, s) => n + s.records, 0)
  const seconds = o.durationMs / 1000
  const row = {
    connector,
    run,
    tickets,
    requests: o.stats.requests,
    perThousand: tickets ? Math.round((o.stats.requests / tickets) * 1000 * 10) / 10 : 0,
    seconds: Math.round(seconds * 10) / 10,
    ticketsPerSecond: Math.round(tickets / seconds),
    peakRssMb: Math.round(peakRss / 1e6),
  }
  rows.push(row)
  console.log(JSON.stringify(row))
}

async function withStore<T>(f: (db: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'accord-bench-itsm-'))
  const store = await openStore({ path: dir })
  const m = await migrateToLatest(store)
  if (m.error) throw m.error
  try {
    return await f(store)
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function benchServiceNow(): Promise<void> {
  const sim = await startServiceNowSimulator(serviceNowTenant(), {
    rateLimits: { 'table-api': { capacity: 1e12, windowMs: 3_600_000 } },
  })
  const { username, password } = SANDBOX_SERVICENOW_CREDENTIALS.users[0]!
  const config = ServiceNowConfig.parse({
    id: 'servicenow',
    kind: 'servicenow',
    baseUrl: sim.url,
    auth: { type: 'basic', username, password },
    pageSize: values.page ? Number(values.page) : undefined,
    tickets: {
      filter: 'cat_item.name=Access Request',
      map: {
        kind: { from: 'variables.action', values: { add: 'grant', remove: 'revoke' } },
        beneficiary: { from: 'requested_for.email' },
        system: { from: 'variables.target_system' },
        targets: { from: 'variables.group_name', split: ',' },
      },
    },
  })
  try {
    await withStore(async (store) => {
      peakRss = 0
      record('servicenow', 'full', await runConnectorSync(store.db, config, { logger: silentLogger() }))
      const items = sim.db.tenant.tables.sc_req_item!
      for (let i = 1; i < items.length; i += 100) sim.control.approve!({ ticket: items[i]!.sys_id })
      record(
        'servicenow',
        'incremental (1% changed)',
        await runConnectorSync(store.db, config, { logger: silentLogger() }),
      )
      record(
        'servicenow',
        'forced full, nothing changed',
        await runConnectorSync(store.db, config, { full: true, logger: silentLogger() }),
      )
    })
  } finally {
    await sim.close()
  }
}

async function benchJira(): Promise<void> {
  const tenant = jiraTenant()
  const sim = await startJiraSimulator(tenant, {
    searchDelayMs: 0,
    rateLimits: { burst: { capacity: 1e12, windowMs: 1000 } },
  })
  const { email, token } = SANDBOX_JIRA_CREDENTIALS.tokens[0]!
  const config = JiraConfig.parse({
    id: 'jira',
    kind: 'jira',
    baseUrl: sim.url,
    auth: { type: 'basic', email, token },
    pageSize: values.page ? Number(values.page) : undefined,
    tickets: {
      jql: 'project = ACCESS',
      map: {
        kind: { from: 'fields.customfield_10072.value', values: { Add: 'grant', Remove: 'revoke' } },
        beneficiary: { from: 'fields.customfield_10071' },
        targets: { from: 'fields.customfield_10073', split: ',' },
      },
    },
  })
  try {
    await withStore(async (store) => {
      peakRss = 0
      process.env.ACCORD_NOW = new Date(BASE_MS + (N + 10) * 60_000).toISOString()
      record('jira', 'full', await runConnectorSync(store.db, config, { logger: silentLogger() }))
      process.env.ACCORD_NOW = new Date(BASE_MS + (N + 20) * 60_000).toISOString()
      for (let i = 1; i < tenant.issues.length; i += 100)
        sim.control.setField!({ issue: tenant.issues[i]!.key, field: 'summary', value: 'changed' })
      record(
        'jira',
        'incremental (1% changed)',
        await runConnectorSync(store.db, config, { logger: silentLogger() }),
      )
      record(
        'jira',
        'forced full, nothing changed',
        await runConnectorSync(store.db, config, { full: true, logger: silentLogger() }),
      )
    })
  } finally {
    delete process.env.ACCORD_NOW
    await sim.close()
  }
}

if (values.only !== 'jira') await benchServiceNow()
if (values.only !== 'servicenow') await benchJira()
clearInterval(rssTimer)

const table = [
  '| connector | run | tickets | requests | requests / 1,000 tickets | seconds | tickets/s | peak RSS MB |',
  '|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.connector} | ${r.run} | ${r.tickets} | ${r.requests} | ${r.perThousand} | ${r.seconds} | ${r.ticketsPerSecond} | ${r.peakRssMb} |`,
  ),
].join('\n')
mkdirSync('bench/results', { recursive: true })
writeFileSync(
  'bench/results/itsm-connectors.md',
  `# ITSM connectors: full and incremental ticket sync\n\n\`npm run bench:itsm-connectors -- --n ${N}\` on ${new Date().toISOString().slice(0, 10)} (simulators in-process, embedded PGlite store, default page sizes and concurrency).\n\n${table}\n`,
)
console.log(`\n${table}`)

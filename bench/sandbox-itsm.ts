/**
 * How fast the sandbox serves its ITSM simulators: 200k ServiceNow requested items (each with 3 catalog
 * variables and 1-2 approvals) and 200k Jira issues (each with a JSM approval), read the way accord's connectors
 * read them. Prints objects/s per read; `npm run bench:sandbox-itsm` (optionally `-- 50000` for a smaller run).
 *
 * Simulator and client share this process (fetch with keep-alive), so the figures include the client's JSON
 * parsing: they are a floor for what a separate accord process would see. Rate limits are lifted: this measures
 * serving, not throttling.
 */
import { performance } from 'node:perf_hooks'
import { startJiraSimulator } from '../src/sandbox/jira/index.ts'
import { startServiceNowSimulator } from '../src/sandbox/servicenow/index.ts'
import type { JiraIssue, JiraTenant, JiraUser, ServiceNowTenant, SnRecord } from '../src/sandbox/state.ts'

const N = Number(process.argv[2] ?? 200_000)
const USERS = Math.max(100, Math.floor(N / 10))
const hex = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(32 - prefix.length, '0')}`
const snTime = (n: number) =>
  new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString().slice(0, 19).replace('T', ' ')

function serviceNowTenant(): ServiceNowTenant {
  const users: SnRecord[] = []
  for (let i = 0; i < USERS; i++) {
    users.push({
      sys_id: hex('a', i),
      user_name: `user${i}`,
      email: `user${i}@contoso.com`,
      name: `User ${i}`,
      active: 'true',
    })
  }
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
      sys_created_on: snTime(i),
      sys_updated_on: snTime(i + 30),
    })
    const values = [i % 7 === 0 ? 'remove' : 'add', `group-${i % 500},vpn`, i % 2 ? 'entra' : 'okta']
    for (const [k, def] of defs.entries()) {
      const option = hex(`e${k}`, i)
      options.push({ sys_id: option, item_option_new: def.sys_id, value: values[k]! })
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
  for (let i = 0; i < USERS; i++) {
    users.push({
      accountId: `712020:${i}`,
      displayName: `User ${i}`,
      emailAddress: i % 3 ? `user${i}@contoso.com` : undefined,
      active: true,
      accountType: 'atlassian',
    })
  }
  const statuses: JiraTenant['statuses'] = [
    { id: '1', name: 'Open', statusCategory: { id: 2, key: 'new', name: 'To Do' } },
    { id: '10001', name: 'Done', statusCategory: { id: 3, key: 'done', name: 'Done' } },
  ]
  const issues: JiraIssue[] = []
  for (let i = 0; i < N; i++) {
    const created = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().replace('Z', '+0000')
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

let retries = 0
/**
 * fetch, retried once on a connection reset: under heavy machine load a keep-alive socket can close as the next
 * request goes out on it (accord's HTTP client retries these too). Retries are counted and printed.
 */
async function fetchRetry(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init)
  } catch (err) {
    if (!String((err as { cause?: unknown }).cause).includes('ECONNRESET')) throw err
    retries++
    return await fetch(url, init)
  }
}

interface Figure {
  what: string
  objects: number
  requests: number
  seconds: number
  /** CPU time of this process (server and client together): meaningful when the machine is shared. */
  cpuSeconds: number
}
const figures: Figure[] = []
async function measure(
  what: string,
  run: () => Promise<{ objects: number; requests: number }>,
): Promise<void> {
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  const { objects, requests } = await run()
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  figures.push({ what, objects, requests, seconds, cpuSeconds })
  console.log(
    `${what}: ${objects} objects in ${requests} requests, ${seconds.toFixed(2)} s (${Math.round(objects / seconds)}/s), ` +
      `${cpuSeconds.toFixed(2)} CPU s (${Math.round(objects / cpuSeconds)}/CPU s)`,
  )
}

function nextLink(header: string | null): string | undefined {
  return /<([^>]+)>;rel="next"/.exec(header ?? '')?.[1]
}

async function pageServiceNow(url: string, auth: string): Promise<{ objects: number; requests: number }> {
  let next: string | undefined = url
  let objects = 0
  let requests = 0
  while (next) {
    const res = await fetchRetry(next, { headers: { authorization: auth } })
    if (res.status !== 200) throw new Error(`ServiceNow answered ${res.status}: ${await res.text()}`)
    objects += ((await res.json()) as { result: unknown[] }).result.length
    requests++
    next = nextLink(res.headers.get('link'))
  }
  return { objects, requests }
}

async function main(): Promise<void> {
  let t0 = performance.now()
  const sn = serviceNowTenant()
  const jira = jiraTenant()
  console.log(`built tenants (${N} items/issues) in ${((performance.now() - t0) / 1000).toFixed(2)} s`)

  t0 = performance.now()
  const snSim = await startServiceNowSimulator(sn, {
    rateLimits: { 'table-api': { capacity: 1e9, windowMs: 3_600_000 } },
  })
  const jiraSim = await startJiraSimulator(jira, {
    rateLimits: { burst: { capacity: 1e9, windowMs: 1000 } },
    searchDelayMs: 0,
  })
  console.log(`started simulators (indexes) in ${((performance.now() - t0) / 1000).toFixed(2)} s`)
  const snAuth = `Basic ${Buffer.from('svc_accord:sandbox-servicenow-password').toString('base64')}`
  const jiraAuth = `Basic ${Buffer.from('svc-accord@contoso.com:sandbox-jira-api-token').toString('base64')}`

  try {
    await measure('ServiceNow sc_req_item with variables.* and requested_for.email (10000/page)', () =>
      pageServiceNow(
        `${snSim.url}/api/now/v2/table/sc_req_item?sysparm_query=${encodeURIComponent('cat_item.name=Access Request^ORDERBYsys_id')}` +
          '&sysparm_fields=sys_id,number,state,approval,requested_for,requested_for.email,opened_by,sys_updated_on,variables.action,variables.group_name,variables.target_system' +
          '&sysparm_exclude_reference_link=true&sysparm_limit=10000',
        snAuth,
      ),
    )
    await measure('ServiceNow sysapproval_approver (10000/page)', () =>
      pageServiceNow(
        `${snSim.url}/api/now/v2/table/sysapproval_approver?sysparm_query=ORDERBYsys_id&sysparm_fields=sys_id,approver,state,sysapproval,sys_updated_on&sysparm_exclude_reference_link=true&sysparm_limit=10000`,
        snAuth,
      ),
    )
    await measure('ServiceNow sc_item_option_mtom with dot-walked option values (10000/page)', () =>
      pageServiceNow(
        `${snSim.url}/api/now/v2/table/sc_item_option_mtom?sysparm_query=ORDERBYsys_id&sysparm_fields=request_item,sc_item_option.item_option_new.name,sc_item_option.value&sysparm_exclude_reference_link=true&sysparm_limit=10000`,
        snAuth,
      ),
    )
    await measure(
      'ServiceNow keyset scan of sc_req_item (sys_id>last^ORDERBYsys_id, 1000/page)',
      async () => {
        let last = ''
        let objects = 0
        let requests = 0
        for (;;) {
          const q = encodeURIComponent(
            `cat_item.name=Access Request^${last ? `sys_id>${last}^` : ''}ORDERBYsys_id`,
          )
          const res = await fetchRetry(
            `${snSim.url}/api/now/v2/table/sc_req_item?sysparm_query=${q}&sysparm_fields=sys_id,number,state,approval,sys_updated_on&sysparm_limit=1000`,
            { headers: { authorization: snAuth } },
          )
          const rows = ((await res.json()) as { result: { sys_id: string }[] }).result
          requests++
          const next = /<([^>]+)>;rel="next"/.test(res.headers.get('link') ?? '')
          objects += rows.length
          // Hidden rows are sparse here (1 in 1000), so no window comes back empty; a real client must not stop on one.
          if (!next || rows.length === 0) break
          last = rows.at(-1)!.sys_id
        }
        return { objects, requests }
      },
    )
    await measure('ServiceNow batched IN lookup of 100 items by sys_id x 200', async () => {
      let objects = 0
      for (let b = 0; b < 200; b++) {
        const ids = Array.from({ length: 100 }, (_, k) => hex('f', (b * 997 + k * 131) % N)).join(',')
        const r = await pageServiceNow(
          `${snSim.url}/api/now/v2/table/sc_req_item?sysparm_query=sys_idIN${ids}&sysparm_fields=sys_id,number&sysparm_limit=100`,
          snAuth,
        )
        objects += r.objects
      }
      return { objects, requests: 200 }
    })

    const search = async (fields: string[], maxResults: number) => {
      let token: string | undefined
      let objects = 0
      let requests = 0
      do {
        const res = await fetchRetry(`${jiraSim.url}/rest/api/3/search/jql`, {
          method: 'POST',
          headers: { authorization: jiraAuth, 'content-type': 'application/json' },
          body: JSON.stringify({
            jql: 'project = ACCESS ORDER BY updated ASC, key ASC',
            fields,
            maxResults,
            nextPageToken: token,
          }),
        })
        if (res.status !== 200) throw new Error(`Jira answered ${res.status}: ${await res.text()}`)
        const body = (await res.json()) as { issues: unknown[]; nextPageToken?: string }
        objects += body.issues.length
        requests++
        token = body.nextPageToken
      } while (token)
      return { objects, requests }
    }
    await measure('Jira search/jql with 8 fields (100/page)', () =>
      search(
        [
          'summary',
          'status',
          'reporter',
          'created',
          'updated',
          'customfield_10071',
          'customfield_10072',
          'customfield_10073',
        ],
        100,
      ),
    )
    await measure('Jira search/jql ids only (5000/page)', () => search(['id'], 5000))
    const sample = Math.min(N, 5000)
    await measure(`Jira JSM approvals of ${sample} requests, 8 in parallel`, async () => {
      let objects = 0
      let nextIssue = 0
      const worker = async () => {
        while (nextIssue < sample) {
          const key = `ACCESS-${++nextIssue}`
          const res = await fetchRetry(
            `${jiraSim.url}/rest/servicedeskapi/request/${key}/approval?start=0&limit=50`,
            {
              headers: { authorization: jiraAuth },
            },
          )
          objects += ((await res.json()) as { values: unknown[] }).values.length
        }
      }
      await Promise.all(Array.from({ length: 8 }, worker))
      return { objects, requests: sample }
    })
  } finally {
    await snSim.close()
    await jiraSim.close()
  }
  const mem = process.memoryUsage()
  console.log(`connection resets retried: ${retries}`)
  console.log(`rss ${Math.round(mem.rss / 2 ** 20)} MiB, heap ${Math.round(mem.heapUsed / 2 ** 20)} MiB`)
  console.log(JSON.stringify({ n: N, figures }, null, 1))
}

await main()

/**
 * How fast the sandbox serves its identity simulators: a synthetic tenant of N users (default 100k) in Graph and
 * in Okta, with N group memberships, N app assignments and (Okta) N System Log events, read the way accord's
 * connectors read them (largest pages each endpoint allows). Prints objects/s per read as a markdown table;
 * `npm run bench:sandbox` (or `npm run bench:sandbox -- 20000` for a smaller run).
 *
 * Simulator and client share this process (fetch with keep-alive), so the figures include the client's JSON
 * parsing: a floor for what a separate accord process sees. Rate limits are lifted: this measures serving, not
 * throttling.
 */
import { performance } from 'node:perf_hooks'
import tls from 'node:tls'
import { startGraphSimulator } from '../src/sandbox/graph/index.ts'
import { OKTA_DEFAULT_RATE_LIMITS, startOktaSimulator } from '../src/sandbox/okta/index.ts'
import type { GraphTenant, OktaTenant } from '../src/sandbox/state.ts'

const N = Number(process.argv[2] ?? 100_000)
const GROUPS = Math.max(10, Math.floor(N / 100))
const APPS = 50
const guid = (p: number, n: number) =>
  `${p.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`
const oid = (p: string, n: number) => `${p}${n.toString(16).padStart(17, '0')}`
const iso = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString()

function graphTenant(): GraphTenant {
  const users = Array.from({ length: N }, (_, i) => ({
    id: guid(1, i),
    userPrincipalName: `user${i}@contoso.example`,
    mail: `user${i}@contoso.example`,
    displayName: `User ${i}`,
    accountEnabled: i % 20 !== 0,
    userType: (i % 50 === 0 ? 'Guest' : 'Member') as 'Guest' | 'Member',
    createdDateTime: iso(i),
  }))
  const groups = Array.from({ length: GROUPS }, (_, g) => ({
    id: guid(2, g),
    displayName: `Group ${g}`,
    description: null,
    securityEnabled: true,
    mailEnabled: false,
    groupTypes: [],
    createdDateTime: iso(g),
  }))
  const members: GraphTenant['members'] = {}
  for (let i = 0; i < N; i++) {
    const gid = guid(2, i % GROUPS)
    members[gid] ??= []
    members[gid].push({ type: 'user', id: guid(1, i) })
  }
  const sps = Array.from({ length: APPS }, (_, a) => ({
    id: guid(4, a),
    appId: guid(5, a),
    displayName: `App ${a}`,
    servicePrincipalType: 'Application' as const,
    accountEnabled: true,
    appOwnerOrganizationId: 'tenant',
    appRoles: [],
    passwordCredentials: [],
    keyCredentials: [],
    owners: [],
  }))
  const appRoleAssignments = Array.from({ length: N }, (_, i) => ({
    id: `ara-${i}`,
    appRoleId: '00000000-0000-0000-0000-000000000000',
    principalId: guid(1, i),
    principalType: 'User' as const,
    principalDisplayName: `User ${i}`,
    resourceId: guid(4, i % APPS),
    resourceDisplayName: `App ${i % APPS}`,
    createdDateTime: iso(i),
  }))
  return {
    tenantId: '11111111-2222-4333-8444-555555555555',
    microsoftTenantId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
    users,
    groups,
    members,
    applications: [],
    servicePrincipals: sps,
    appRoleAssignments,
    roleDefinitions: [],
    roleAssignments: [],
  }
}

function oktaTenant(): OktaTenant {
  const users = Array.from({ length: N }, (_, i) => ({
    id: oid('00u', i),
    status: (i % 20 === 0 ? 'DEPROVISIONED' : 'ACTIVE') as 'ACTIVE' | 'DEPROVISIONED',
    created: iso(i),
    activated: iso(i),
    statusChanged: null,
    lastLogin: null,
    lastUpdated: iso(i),
    passwordChanged: null,
    type: { id: 'oty1' },
    profile: {
      firstName: `F${i}`,
      lastName: `L${i}`,
      login: `user${i}@contoso.example`,
      email: `user${i}@contoso.example`,
    },
  }))
  const groups = Array.from({ length: GROUPS }, (_, g) => ({
    id: oid('00g', g),
    created: iso(g),
    lastUpdated: iso(g),
    lastMembershipUpdated: iso(g),
    objectClass: ['okta:user_group'],
    type: 'OKTA_GROUP' as const,
    profile: { name: `Group ${g}`, description: null },
  }))
  const groupMembers: OktaTenant['groupMembers'] = {}
  for (let i = 0; i < N; i++) {
    const gid = oid('00g', i % GROUPS)
    groupMembers[gid] ??= []
    groupMembers[gid].push(oid('00u', i))
  }
  const apps = Array.from({ length: APPS }, (_, a) => ({
    id: oid('0oa', a),
    name: `app${a}`,
    label: `App ${a}`,
    status: 'ACTIVE' as const,
    created: iso(a),
    lastUpdated: iso(a),
    signOnMode: 'SAML_2_0',
    isApiServiceApp: false,
  }))
  const appUsers = Array.from({ length: N }, (_, i) => ({
    appId: oid('0oa', i % APPS),
    userId: oid('00u', i),
    scope: 'USER' as const,
    status: 'PROVISIONED',
    created: iso(i),
    lastUpdated: iso(i),
  }))
  const logs = Array.from({ length: N }, (_, i) => ({
    uuid: guid(9, i),
    published: new Date(Date.UTC(2026, 10, 20) + i * 1000).toISOString(),
    eventType: i % 2 ? 'group.user_membership.add' : 'user.session.start',
    displayMessage: 'event',
    severity: 'INFO' as const,
    version: '0' as const,
    actor: { id: oid('00u', 0), type: 'User', alternateId: 'admin', displayName: 'Admin' },
    outcome: { result: 'SUCCESS' as const },
    target: [{ id: oid('00u', i), type: 'User', alternateId: `user${i}`, displayName: `User ${i}` }],
  }))
  return {
    orgName: 'https://bench.okta.example',
    users,
    groups,
    groupMembers,
    apps,
    appUsers,
    appGroups: [],
    roles: [],
    apiTokens: [],
    logs,
  }
}

interface Row {
  vendor: string
  read: string
  objects: number
  requests: number
  ms: number
  /** Process CPU time (user + system) spent on the read: steadier than wall time on a shared machine. */
  cpuMs: number
}
const rows: Row[] = []

/** Follows a paging scheme from `first`, counting objects; `next` extracts objects and the next URL. */
async function measure(
  vendor: string,
  read: string,
  firsts: string[],
  headers: Record<string, string>,
  next: (res: Response, body: unknown) => { count: number; url: string | null },
): Promise<void> {
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  let objects = 0
  let requests = 0
  for (const first of firsts) {
    let url: string | null = first
    while (url) {
      const res = await fetch(url, { headers })
      if (!res.ok) throw new Error(`${vendor} ${read}: ${res.status} ${await res.text()}`)
      requests++
      const r = next(res, await res.json())
      objects += r.count
      url = r.url
    }
  }
  const cpu = process.cpuUsage(cpu0)
  rows.push({
    vendor,
    read,
    objects,
    requests,
    ms: performance.now() - t0,
    cpuMs: (cpu.user + cpu.system) / 1000,
  })
}

const graphNext = (_res: Response, body: unknown) => {
  const b = body as { value: { 'members@delta'?: unknown[] }[]; '@odata.nextLink'?: string }
  const count = b.value.reduce((n, o) => n + (o['members@delta'] ? o['members@delta'].length : 1), 0)
  return { count, url: b['@odata.nextLink'] ?? null }
}
const oktaNext = (res: Response, body: unknown) => {
  const m = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')
  return { count: (body as unknown[]).length, url: m ? m[1]! : null }
}

const lifted = { capacity: 1e12, windowMs: 1000 }
const tStart = performance.now()
const gt = graphTenant()
const ot = oktaTenant()
console.error(`built a ${N}-user tenant in ${Math.round(performance.now() - tStart)} ms`)

const graph = await startGraphSimulator(gt, {
  rateLimits: { graph: lifted },
  deltaPageSize: 200,
  memberChunk: 200,
})
const okta = await startOktaSimulator(ot, {
  rateLimits: Object.fromEntries(Object.keys(OKTA_DEFAULT_RATE_LIMITS).map((k) => [k, lifted])),
  scenarioNow: '2026-11-29T00:00:00.000Z',
})
tls.setDefaultCACertificates([...tls.getCACertificates('default'), graph.caCert])
try {
  const tokenRes = await fetch(`${graph.url}/${graph.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: graph.credentials.clientId,
      client_secret: graph.credentials.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    }),
  })
  const gh = { authorization: `Bearer ${((await tokenRes.json()) as { access_token: string }).access_token}` }
  const g = `${graph.url}/v1.0`
  await measure(
    'graph',
    'users ($top=999, $select)',
    [`${g}/users?$top=999&$select=id,displayName,userPrincipalName,mail,accountEnabled,userType`],
    gh,
    graphNext,
  )
  await measure(
    'graph',
    'users/delta (200/page)',
    [`${g}/users/delta?$select=id,displayName,accountEnabled`],
    gh,
    graphNext,
  )
  await measure(
    'graph',
    'groups/delta members@delta',
    [`${g}/groups/delta?$select=displayName,members`],
    gh,
    graphNext,
  )
  await measure(
    'graph',
    'groups/{id}/members ($top=999)',
    gt.groups.map((x) => `${g}/groups/${x.id}/members?$top=999&$select=id`),
    gh,
    graphNext,
  )
  await measure(
    'graph',
    'servicePrincipals/{id}/appRoleAssignedTo',
    gt.servicePrincipals.map((x) => `${g}/servicePrincipals/${x.id}/appRoleAssignedTo?$top=999`),
    gh,
    graphNext,
  )

  const oh = { authorization: `SSWS ${okta.credentials.sswsTokens[0]}` }
  const o = `${okta.url}/api/v1`
  await measure('okta', 'users (limit=200)', [`${o}/users?limit=200`], oh, oktaNext)
  await measure(
    'okta',
    'users search (incl. DEPROVISIONED)',
    [`${o}/users?limit=200&search=${encodeURIComponent('status pr')}`],
    oh,
    oktaNext,
  )
  await measure(
    'okta',
    'groups/{id}/users (limit=1000)',
    ot.groups.map((x) => `${o}/groups/${x.id}/users?limit=1000`),
    oh,
    oktaNext,
  )
  await measure(
    'okta',
    'apps/{id}/users (limit=500)',
    ot.apps.map((x) => `${o}/apps/${x.id}/users?limit=500`),
    oh,
    (res, body) => {
      const r = oktaNext(res, body)
      return r
    },
  )
  // Polling: stop at the first empty page (the next link is always there).
  await measure(
    'okta',
    'logs polling (limit=1000)',
    [`${o}/logs?limit=1000&since=2026-11-01T00:00:00.000Z`],
    oh,
    (res, body) => {
      const r = oktaNext(res, body)
      return r.count === 0 ? { count: 0, url: null } : r
    },
  )
} finally {
  await graph.close()
  await okta.close()
}

console.log(
  `\n${N} users, ${GROUPS} groups, ${N} memberships, ${N} app assignments, Node ${process.version}\n`,
)
console.log('| vendor | read | objects | requests | wall s | objects/s (wall) | CPU s | objects/CPU-s |')
console.log('|---|---|---:|---:|---:|---:|---:|---:|')
for (const r of rows) {
  console.log(
    `| ${r.vendor} | ${r.read} | ${r.objects} | ${r.requests} | ${(r.ms / 1000).toFixed(2)} | ${Math.round(r.objects / (r.ms / 1000))} | ${(r.cpuMs / 1000).toFixed(2)} | ${Math.round(r.objects / (r.cpuMs / 1000))} |`,
  )
}
const load = (await import('node:os')).loadavg()
console.log(
  `\nload average during the run: ${load.map((l) => l.toFixed(1)).join(' ')} (on ${(await import('node:os')).cpus().length} cores)`,
)

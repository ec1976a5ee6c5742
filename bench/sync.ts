/**
 * Sync benchmark (issue 4): `npm run bench:sync -- entra [--size medium|large] [--seed N] [--db postgres://…]
 * [--parts full,sdk,churn] [--out bench/results/sync-entra.md]`.
 *
 * The sandbox's Graph simulator runs in its own process (this script with `--serve`), so the figures are
 * accord's own. Store: Postgres when `--db` or TEST_DATABASE_URL is given (a fresh schema, dropped after),
 * else embedded PGlite.
 *
 * - full: one full sync; wall time, direct grants per second, requests against the minimum the sandbox can
 *   serve (every listing at its largest page, $batch of 20 for per-object collections), peak RSS of this process;
 * - sdk: the same collections through @microsoft/microsoft-graph-client's PageIterator (listing only, nothing
 *   stored), concurrency 4 for the per-object collections, and the ratio of accord's time to the SDK's;
 * - churn: 1% of users changed through the control handle (membership removed, added, or account disabled),
 *   then an incremental sync (listing streams not re-listed: relistMinutes default) and one that re-lists them
 *   (relistMinutes 0): requests and time as a share of the full sync.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface, type Interface } from 'node:readline'
import tls from 'node:tls'
import { fileURLToPath } from 'node:url'
import { Client, PageIterator } from '@microsoft/microsoft-graph-client'
import PQueue from 'p-queue'
import type { ConnectorConfig } from '../src/config/schema.ts'
import { createEntraAuth } from '../src/connectors/entra/auth.ts'
import { EntraConfig } from '../src/connectors/entra/config.ts'
import { createHttpsAgent } from '../src/connectors/http/tls.ts'
import { silentLogger } from '../src/core/logger.ts'
import type { GraphTenant } from '../src/sandbox/state.ts'
import { migrateToLatest } from '../src/store/migrate.ts'
import { openStore } from '../src/store/open.ts'
import { runConnectorSync, type SyncOutcome } from '../src/sync/run-connector.ts'

type Size = 'small' | 'medium' | 'large'

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback
}

const DELTA_PAGE = 100
const MEMBER_CHUNK = 100
const MICROSOFT = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a'

// ------------------------------------------------------------------------------------------- child: serve

async function serve(size: Size, seed: number) {
  const { generateScenario } = await import('../src/sandbox/scenario/index.ts')
  const { startGraphSimulator } = await import('../src/sandbox/graph/index.ts')
  const scenario = generateScenario({ seed, size })
  const g = scenario.tenant.graph
  const sim = await startGraphSimulator(g, {
    scenarioNow: scenario.now,
    deltaPageSize: DELTA_PAGE,
    memberChunk: MEMBER_CHUNK,
    rateLimits: { graph: { capacity: 1e9, windowMs: 1000 } },
  })
  const send = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`)
  send({
    graphBaseUrl: sim.graphBaseUrl,
    authorityHost: new URL(sim.authority).origin,
    tenantId: sim.tenantId,
    clientId: sim.credentials.clientId,
    clientSecret: sim.credentials.clientSecret,
    caCert: sim.caCert,
    now: scenario.now,
    minimum: minimumRequests(g),
    counts: {
      users: g.users.length,
      grants: entraDirectGrants(g),
      servicePrincipals: g.servicePrincipals.length,
    },
  })
  const rl = createInterface({ input: process.stdin })
  let rng = seed * 7919 + 17
  const next = (n: number) => {
    rng = (rng * 1103515245 + 12345) % 2147483648
    return rng % n
  }
  for await (const line of rl) {
    const cmd = JSON.parse(line) as { op: string; share?: number }
    if (cmd.op === 'churn') {
      // Which groups each user is directly in, once.
      const groupsOf = new Map<string, string[]>()
      for (const [gid, ms] of Object.entries(g.members)) {
        for (const m of ms) if (m.type === 'user') groupsOf.set(m.id, [...(groupsOf.get(m.id) ?? []), gid])
      }
      const groupIds = g.groups.map((x) => x.id)
      const n = Math.max(1, Math.round(g.users.length * (cmd.share ?? 0.01)))
      let applied = 0
      for (let i = 0; i < n; i++) {
        const u = g.users[next(g.users.length)]!
        const kind = i % 3
        try {
          if (kind === 0 && groupsOf.get(u.id)?.length) {
            const gid = groupsOf.get(u.id)![0]!
            sim.control.removeGroupMember({ groupId: gid, memberId: u.id })
            groupsOf.set(u.id, groupsOf.get(u.id)!.slice(1))
          } else if (kind === 1 || kind === 0) {
            sim.control.addGroupMember({ groupId: groupIds[next(groupIds.length)]!, memberId: u.id })
          } else {
            sim.control.disableUser({ userId: u.id })
          }
          applied++
        } catch {
          // a repeated pick: skip
        }
      }
      send({ applied })
    }
  }
  await sim.close()
  process.exit(0)
}

/** Direct grants of the Entra tenant: memberships, app role assignments (not to first-party apps), roles. */
function entraDirectGrants(g: GraphTenant): number {
  const fp = new Set(
    g.servicePrincipals.filter((s) => s.appOwnerOrganizationId === MICROSOFT).map((s) => s.id),
  )
  let n = 0
  for (const ms of Object.values(g.members)) n += ms.length
  n += g.appRoleAssignments.filter((a) => !fp.has(a.resourceId)).length
  return n + g.roleAssignments.length
}

/** Pages no client can go below: every listing at its largest page, per-object collections 20 to a $batch. */
function minimumRequests(g: GraphTenant): Record<string, number> {
  const pages = (n: number, max: number) => Math.max(1, Math.ceil(n / max))
  let chunks = 0
  for (const grp of g.groups)
    chunks += Math.max(1, Math.ceil((g.members[grp.id]?.length ?? 0) / MEMBER_CHUNK))
  const sps = g.servicePrincipals.filter((s) => s.appOwnerOrganizationId !== MICROSOFT)
  const byResource = new Map<string, number>()
  for (const a of g.appRoleAssignments) byResource.set(a.resourceId, (byResource.get(a.resourceId) ?? 0) + 1)
  // Assignments beyond a resource's first page of 999 need pages of their own.
  let extraAssignmentPages = 0
  for (const sp of sps) extraAssignmentPages += Math.max(0, pages(byResource.get(sp.id) ?? 0, 999) - 1)
  const apps = new Map(g.applications.map((a) => [a.appId, a]))
  const needAppOwners = sps.filter(
    (s) => s.owners.length === 0 && s.servicePrincipalType !== 'ManagedIdentity' && apps.has(s.appId),
  ).length
  const out = {
    users: pages(g.users.length, DELTA_PAGE),
    groups: pages(chunks, DELTA_PAGE),
    service_principals:
      pages(g.applications.length, 999) +
      pages(g.servicePrincipals.length, 999) +
      pages(sps.length, 20) +
      (needAppOwners ? pages(needAppOwners, 20) : 0),
    app_roles: pages(sps.length, 20) + extraAssignmentPages,
    directory_roles: pages(g.roleDefinitions.length, 100) + pages(g.roleAssignments.length, 100),
  }
  return { ...out, total: Object.values(out).reduce((a, b) => a + b, 0) }
}

// ------------------------------------------------------------------------------------------- parent

interface Served {
  graphBaseUrl: string
  authorityHost: string
  tenantId: string
  clientId: string
  clientSecret: string
  caCert: string
  now: string
  minimum: Record<string, number>
  counts: { users: number; grants: number; servicePrincipals: number }
}

async function startChild(size: Size, seed: number) {
  const child = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), '--serve', size, '--seed', String(seed)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  )
  const rl: Interface = createInterface({ input: child.stdout! })
  const lines: string[] = []
  const waiters: ((l: string) => void)[] = []
  rl.on('line', (l) => {
    const w = waiters.shift()
    if (w) w(l)
    else lines.push(l)
  })
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const l = lines.shift()
      if (l !== undefined) return resolve(l)
      waiters.push(resolve)
      child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}`)))
    })
  const served = JSON.parse(await nextLine()) as Served
  return {
    served,
    churn: async (share: number) => {
      child.stdin!.write(`${JSON.stringify({ op: 'churn', share })}\n`)
      return JSON.parse(await nextLine()) as { applied: number }
    },
    stop: () => child.stdin!.end(),
  }
}

async function openBenchStore(dbUrl: string | undefined) {
  if (dbUrl) {
    const schema = `bench_entra_${process.pid}`
    const store = await openStore({ url: dbUrl, schema, maxConnections: 4 })
    const { sql } = await import('kysely')
    await sql`create schema if not exists ${sql.id(schema)}`.execute(store.db)
    const report = await migrateToLatest(store)
    if (report.error) throw report.error
    return {
      store,
      cleanup: async () => {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(store.db)
        await store.close()
      },
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'accord-bench-entra-'))
  const store = await openStore({ path: dir })
  const report = await migrateToLatest(store)
  if (report.error) throw report.error
  return {
    store,
    cleanup: async () => {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function configFor(s: Served, caFile: string, relistMinutes?: number): ConnectorConfig {
  return EntraConfig.parse({
    id: 'entra',
    kind: 'entra',
    tenantId: s.tenantId,
    clientId: s.clientId,
    clientSecret: s.clientSecret,
    authorityHost: s.authorityHost,
    graphBaseUrl: s.graphBaseUrl,
    tls: { caFile },
    ...(relistMinutes === undefined ? {} : { relistMinutes }),
  }) as ConnectorConfig
}

async function timedSync(db: Parameters<typeof runConnectorSync>[0], config: ConnectorConfig, full: boolean) {
  const started = performance.now()
  const out: SyncOutcome = await runConnectorSync(db, config, { logger: silentLogger(), full })
  const ms = performance.now() - started
  if (out.error) throw new Error(`sync failed: ${out.error}`)
  return { ms, out }
}

/** The same collections through the Graph SDK's PageIterator, counting records, storing nothing. */
async function sdkListing(s: Served, caFile: string) {
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), s.caCert])
  // The token through msal (with the sandbox CA given to its network client, as accord does).
  const auth = createEntraAuth(configFor(s, caFile) as EntraConfig, {
    agent: createHttpsAgent({ tls: { caFile } }),
    logger: silentLogger(),
  })
  const client = Client.init({
    baseUrl: `${new URL(s.graphBaseUrl).origin}/`,
    defaultVersion: 'v1.0',
    // The SDK sends the token only to Graph's own hosts unless told of others.
    customHosts: new Set([new URL(s.graphBaseUrl).hostname]),
    authProvider: (done) => {
      auth
        .getAuthHeader()
        .then((h) => done(null, h.replace(/^Bearer /, '')))
        .catch((e) => done(e, null))
    },
  })
  const started = performance.now()
  let records = 0
  const list = async (path: string, f?: (x: Record<string, unknown>) => void) => {
    const first = await client.api(path).get()
    const it = new PageIterator(client, first, (x) => {
      records++
      f?.(x as Record<string, unknown>)
      return true
    })
    await it.iterate()
  }
  await list(
    '/users/delta?$select=id,displayName,userPrincipalName,mail,accountEnabled,userType,createdDateTime',
  )
  await list('/groups/delta?$select=displayName,securityEnabled,mailEnabled,groupTypes,members', (grp) => {
    records += ((grp['members@delta'] as unknown[] | undefined) ?? []).length
  })
  await list(
    '/applications?$select=id,appId,displayName,createdDateTime,passwordCredentials,keyCredentials&$top=999',
  )
  const sps: string[] = []
  await list('/servicePrincipals?$top=999', (sp) => {
    if (sp.appOwnerOrganizationId !== MICROSOFT) sps.push(String(sp.id))
  })
  await list('/roleManagement/directory/roleDefinitions')
  await list('/roleManagement/directory/roleAssignments')
  const q = new PQueue({ concurrency: 4 })
  for (const id of sps) {
    q.add(() => list(`/servicePrincipals/${id}/owners?$select=id`))
    q.add(() => list(`/servicePrincipals/${id}/appRoleAssignedTo?$top=999`))
  }
  await q.onIdle()
  return { ms: performance.now() - started, records }
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(1)} s`

async function main() {
  if (process.argv.includes('--serve')) {
    const i = process.argv.indexOf('--serve')
    await serve(process.argv[i + 1] as Size, Number(arg('seed', '1')))
    return
  }
  const vendor = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 'entra'
  if (vendor !== 'entra') throw new Error(`bench:sync covers entra; got ${vendor}`)
  const size = arg('size', 'medium') as Size
  const seed = Number(arg('seed', '1'))
  const parts = new Set(arg('parts', 'full,sdk,churn').split(','))
  const dbUrl = arg('db', process.env.TEST_DATABASE_URL ?? '') || undefined
  const outFile = arg('out', '')
  const lines: string[] = []
  const say = (l: string) => {
    lines.push(l)
    process.stdout.write(`${l}\n`)
  }

  const child = await startChild(size, seed)
  const s = child.served
  const dir = mkdtempSync(join(tmpdir(), 'accord-bench-entra-ca-'))
  const caFile = join(dir, 'ca.pem')
  writeFileSync(caFile, s.caCert)
  process.env.ACCORD_NOW = s.now
  const { store, cleanup } = await openBenchStore(dbUrl)
  try {
    say(
      `## Entra sync, ${size} (seed ${seed}), store ${dbUrl ? 'Postgres' : 'PGlite'}, ${new Date().toISOString()}`,
    )
    say('')
    say(
      `tenant: ${s.counts.users} users, ${s.counts.grants} direct grants, ${s.counts.servicePrincipals} service principals`,
    )
    // Time spent committing batches, per stream: the store's share of the wall time.
    const writeMs = new Map<string, number>()
    const { DbStreamWriter } = await import('../src/sync/stream-writer.ts')
    const write = DbStreamWriter.prototype.write
    DbStreamWriter.prototype.write = async function (this: { stream: string }, batch) {
      const t = performance.now()
      try {
        return await write.call(this, batch)
      } finally {
        writeMs.set(this.stream, (writeMs.get(this.stream) ?? 0) + performance.now() - t)
      }
    }
    // Peak V8 heap in use, sampled: RSS also holds garbage not yet collected and the allocator's slack.
    let heapPeak = 0
    let externalPeak = 0
    const sampler = setInterval(() => {
      const m = process.memoryUsage()
      heapPeak = Math.max(heapPeak, m.heapUsed)
      externalPeak = Math.max(externalPeak, m.external + m.arrayBuffers)
    }, 100)
    const full = await timedSync(store.db, configFor(s, caFile), true)
    const rssMb = process.resourceUsage().maxRSS / 1024
    clearInterval(sampler)
    const grants = full.out.streams
      .filter((x) => ['groups', 'app_roles', 'directory_roles'].includes(x.stream))
      .reduce((n, x) => n + x.records, 0)
    say('')
    say('| stream | records | requests | minimum | ratio | committing s |')
    say('|---|---|---|---|---|---|')
    const secs = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(1)
    for (const st of full.out.streams) {
      const min = s.minimum[st.stream] ?? 0
      say(
        `| ${st.stream} | ${st.records} | ${st.stats.requests} | ${min} | ${(st.stats.requests / min).toFixed(3)} | ${secs(writeMs.get(st.stream))} |`,
      )
    }
    say(
      `| **total** | | ${full.out.stats.requests} | ${s.minimum.total} | ${(full.out.stats.requests / s.minimum.total!).toFixed(3)} | ${secs([...writeMs.values()].reduce((a, b) => a + b, 0))} |`,
    )
    say('')
    say(
      `- full sync: ${fmt(full.ms)} wall; ${Math.round(s.counts.grants / (full.ms / 1000))} direct grants/s (${s.counts.grants} direct grants; the grant streams wrote ${grants} records, entitlements included)`,
    )
    say(
      `- peak RSS of accord (this process) after the full sync: ${rssMb.toFixed(0)} MB (sampled peak V8 heap in use ${(heapPeak / 2 ** 20).toFixed(0)} MB, external + array buffers ${(externalPeak / 2 ** 20).toFixed(0)} MB)`,
    )
    say(
      '- committing s: time inside the store writer (transactions), summed per stream; the three lanes overlap, so the sum can exceed the wall time',
    )
    if (parts.has('sdk')) {
      const sdk = await sdkListing(s, caFile)
      say(
        `- Graph SDK PageIterator, same collections, listing only: ${fmt(sdk.ms)} for ${sdk.records} records; accord (storing) / SDK = ${(full.ms / sdk.ms).toFixed(2)}`,
      )
    }
    if (parts.has('churn')) {
      const { applied } = await child.churn(0.01)
      writeMs.clear()
      const inc = await timedSync(store.db, configFor(s, caFile), false)
      const incCommit = [...writeMs.values()].reduce((a, b) => a + b, 0)
      say(
        `- 1% churn (${applied} changes through the control handle), incremental sync (listing streams younger than relistMinutes=60 not re-listed): ${inc.out.stats.requests} requests (${((100 * inc.out.stats.requests) / full.out.stats.requests).toFixed(2)}% of full), ${fmt(inc.ms)} (${((100 * inc.ms) / full.ms).toFixed(2)}% of full; ${(incCommit / 1000).toFixed(1)} s committing)`,
      )
      const { applied: again } = await child.churn(0.01)
      const relist = await timedSync(store.db, configFor(s, caFile, 0), false)
      say(
        `- another 1% churn (${again} changes), incremental sync re-listing the listing streams (relistMinutes=0): ${relist.out.stats.requests} requests (${((100 * relist.out.stats.requests) / full.out.stats.requests).toFixed(2)}% of full), ${fmt(relist.ms)} (${((100 * relist.ms) / full.ms).toFixed(2)}% of full)`,
      )
    }
    say(
      `- machine: ${process.version}, 1-minute load average at the end ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`,
    )
  } finally {
    child.stop()
    await cleanup()
    rmSync(dir, { recursive: true, force: true })
  }
  if (outFile) writeFileSync(outFile, `${lines.join('\n')}\n`)
}

await main()

/**
 * Okta connector benchmark (issue 5). The sandbox's Okta simulator runs in its own process (this script
 * started with `--serve`), so the figures are accord's own cost, not the simulator's.
 *
 *   npm run bench:okta -- [--size small|medium|large] [--seed N] [--parts full,incremental,sdk,throttled] [--db postgres://…]
 *                         [--concurrency 8] [--repeat N] [--page-size 25 (throttled part only)]
 *
 * - full: one full sync into a fresh store (embedded PGlite unless --db); wall time, requests against the
 *   minimum (every listing at Okta's largest page sizes), peak RSS of this process;
 * - incremental (with full): changes made through the simulator's control endpoint, then an incremental sync
 *   into the same store; its requests and time against the full sync's;
 * - sdk: the same listings through @okta/okta-sdk-nodejs against the same simulator (listing only, nothing
 *   stored), and the ratio of accord's time to the SDK's;
 * - throttled: a full sync with the simulator at Okta's default 600 requests per minute per endpoint; per
 *   endpoint, accord's request rate as a share of the allowed rate while that endpoint was in use, and 429s as a
 *   share of all requests.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import okta from '@okta/okta-sdk-nodejs'
import type { ConnectorConfig } from '../src/config/schema.ts'
import { OktaConfig } from '../src/connectors/okta/config.ts'
import { silentLogger } from '../src/core/logger.ts'
import type { OktaTenant } from '../src/sandbox/state.ts'
import type { Db } from '../src/store/database.ts'
import { migrateToLatest } from '../src/store/migrate.ts'
import { openStore } from '../src/store/open.ts'
import { runConnectorSync } from '../src/sync/run-connector.ts'

type Size = 'small' | 'medium' | 'large'

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback
}

// ------------------------------------------------------------------------------------------- child: serve

async function serve(size: Size, seed: number, throttled: boolean) {
  const { generateScenario } = await import('../src/sandbox/scenario/index.ts')
  const { startOktaSimulator } = await import('../src/sandbox/okta/index.ts')
  const scenario = generateScenario({ seed, size })
  const perMinute = { capacity: 600, windowMs: 60_000 }
  const unlimited = { capacity: 1e9, windowMs: 1_000 }
  const limit = throttled ? perMinute : unlimited
  const rateLimits = {
    default: limit,
    'GET /api/v1/users': limit,
    'GET /api/v1/users/:id': limit,
    'GET /api/v1/groups': limit,
    'GET /api/v1/apps': limit,
    'GET /api/v1/logs': limit,
    'POST /oauth2/v1/token': limit,
  }
  const sim = await startOktaSimulator(scenario.tenant.okta, { scenarioNow: scenario.now, rateLimits })
  process.stdout.write(
    `${JSON.stringify({
      url: sim.url,
      token: sim.credentials.sswsTokens[0],
      now: scenario.now,
      minimum: minimumRequests(scenario.tenant.okta),
      counts: { users: scenario.tenant.okta.users.length, grants: scenario.counts.directGrants },
    })}\n`,
  )
  process.stdin.resume()
  process.stdin.on('end', () => sim.close().then(() => process.exit(0)))
}

/** Every listing at Okta's largest page sizes (vendor-apis.md 4.2): what no client can go below. */
function minimumRequests(t: OktaTenant): number {
  const pages = (n: number, max: number) => Math.max(1, Math.ceil(n / max))
  const regularApps = t.apps.filter((a) => !a.isApiServiceApp)
  let n = pages(t.users.length, 200) + pages(t.groups.length, 10_000) + pages(t.apps.length, 200)
  for (const g of t.groups) n += pages((t.groupMembers[g.id] ?? []).length, 1000)
  for (const a of regularApps) {
    n += pages(t.appUsers.filter((x) => x.appId === a.id).length, 500)
    n += pages(t.appGroups.filter((x) => x.appId === a.id).length, 200)
  }
  const admins = new Set(t.roles.map((r) => r.userId)).size
  n += pages(admins, 100) + admins + pages(t.apiTokens.length, 200)
  return n
}

// ------------------------------------------------------------------------------------------- parent

interface Served {
  url: string
  token: string
  now: string
  minimum: number
  counts: { users: number; grants: number }
}

async function startChild(size: Size, seed: number, throttled: boolean) {
  const child = spawn(
    process.execPath,
    [
      fileURLToPath(import.meta.url),
      '--serve',
      size,
      '--seed',
      String(seed),
      ...(throttled ? ['--throttled'] : []),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! })
    rl.once('line', resolve)
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}`)))
  })
  const served = JSON.parse(line) as Served
  return { served, stop: () => child.stdin!.end() }
}

async function openBenchStore(dbUrl: string | undefined) {
  if (dbUrl) {
    const schema = `bench_okta_${process.pid}`
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
  const dir = mkdtempSync(join(tmpdir(), 'accord-bench-okta-'))
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

function configFor(s: Served, concurrency: number, pageSize?: number): ConnectorConfig {
  return OktaConfig.parse({
    id: 'okta',
    kind: 'okta',
    orgUrl: s.url,
    auth: { type: 'ssws', token: s.token },
    rateLimit: { concurrency },
    pageSize,
  }) as ConnectorConfig
}

async function fullSync(
  s: Served,
  dbUrl: string | undefined,
  concurrency: number,
  pageSize?: number,
  then?: (db: Db) => Promise<void>,
) {
  const { store, cleanup } = await openBenchStore(dbUrl)
  process.env.ACCORD_NOW = s.now
  const started = performance.now()
  const out = await runConnectorSync(store.db, configFor(s, concurrency, pageSize), {
    logger: silentLogger(),
    full: true,
  })
  const ms = performance.now() - started
  if (out.error) throw new Error(`sync failed: ${out.error}`)
  try {
    await then?.(store.db)
  } finally {
    await cleanup()
  }
  return { ms, out }
}

/** Changes an admin makes between two syncs, through the simulator's control endpoint. */
async function changeOrg(s: Served): Promise<string> {
  const get = async (path: string) =>
    (await (await fetch(new URL(path, s.url), { headers: { authorization: `SSWS ${s.token}` } })).json()) as {
      id: string
    }[]
  const control = async (op: string, args: unknown) => {
    const res = await fetch(new URL(`/_control/${op}`, s.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(args),
    })
    if (!res.ok) throw new Error(`control ${op}: ${res.status} ${await res.text()}`)
  }
  const groups = await get('/api/v1/groups?limit=20')
  const users = await get('/api/v1/users?limit=50')
  const apps = (await get('/api/v1/apps?limit=20')) as { id: string; settings?: { oauthClient?: unknown } }[]
  const members = await get(`/api/v1/groups/${groups[0]!.id}/users?limit=5`)
  const memberIds = new Set(members.map((m) => m.id))
  const outsider = users.find((u) => !memberIds.has(u.id))!
  await control('removeGroupMember', { groupId: groups[0]!.id, userId: members[0]!.id })
  await control('addGroupMember', { groupId: groups[0]!.id, userId: outsider.id })
  await control('addGroupMember', { groupId: groups[1]!.id, userId: users[1]!.id }).catch(() => {})
  await control('suspendUser', { userId: users[2]!.id })
  const app = apps.find((a) => !a.settings?.oauthClient) ?? apps[0]!
  await control('assignAppUser', { appId: app.id, userId: users[3]!.id }).catch(() => {})
  return 'one member removed and two added in two groups, a user suspended, a user assigned an app'
}

async function sdkListing(s: Served) {
  const client = new okta.Client({ orgUrl: s.url, token: s.token, cacheMiddleware: null })
  const started = performance.now()
  let records = 0
  const each = async <T>(c: AsyncIterable<T> | Promise<AsyncIterable<T>>, f?: (x: T) => Promise<void>) => {
    for await (const x of await c) {
      records++
      if (f) await f(x)
    }
  }
  await each(client.userApi.listUsers({ search: 'status pr', limit: 200 }))
  await each(client.groupApi.listGroups({ limit: 10_000 }), async (g) => {
    await each(client.groupApi.listGroupUsers({ groupId: g!.id!, limit: 1000 }))
  })
  await each(client.applicationApi.listApplications({ limit: 200 }), async (a) => {
    await each(client.applicationApi.listApplicationUsers({ appId: a!.id!, limit: 500 }))
    await each(client.applicationApi.listApplicationGroupAssignments({ appId: a!.id!, limit: 200 }))
  })
  return { ms: performance.now() - started, records }
}

async function poll(
  url: string,
): Promise<{ total: number; byEndpoint: Record<string, number>; byStatus: Record<string, number> }> {
  const res = await fetch(new URL('/_control/counts', url))
  const body = (await res.json()) as { result?: unknown }
  return (body.result ?? body) as never
}

async function main() {
  if (process.argv.includes('--serve')) {
    const i = process.argv.indexOf('--serve')
    await serve(process.argv[i + 1] as Size, Number(arg('seed', '1')), process.argv.includes('--throttled'))
    return
  }
  const size = arg('size', 'medium') as Size
  const seed = Number(arg('seed', '1'))
  const parts = arg('parts', 'full,sdk,throttled').split(',')
  const dbUrl = process.argv.includes('--db') ? arg('db', '') : undefined
  const concurrency = Number(arg('concurrency', '8'))
  const lines: string[] = [
    `okta bench: size ${size}, seed ${seed}, store ${dbUrl ? 'postgres' : 'pglite'}, concurrency ${concurrency}`,
  ]
  const log = (s: string) => {
    lines.push(s)
    console.log(s)
  }

  if (parts.includes('full') || parts.includes('sdk')) {
    const { served, stop } = await startChild(size, seed, false)
    try {
      log(`tenant: ${served.counts.users} users, ${served.counts.grants} direct grants (all sources)`)
      // Load on a shared machine moves both timings: with --repeat N the two alternate and the best of each
      // counts (the incremental part runs after the first full sync only).
      const repeat = Number(arg('repeat', '1'))
      let accordMs = Number.POSITIVE_INFINITY
      let sdkMs = Number.POSITIVE_INFINITY
      for (let round = 0; round < repeat; round++) {
        if (parts.includes('full')) {
          // With the incremental part: after the full sync, change the org and sync again into the same store.
          const incremental =
            parts.includes('incremental') && round === 0
              ? async (db: Db) => {
                  const what = await changeOrg(served)
                  const started = performance.now()
                  const inc = await runConnectorSync(db, configFor(served, concurrency), {
                    logger: silentLogger(),
                  })
                  if (inc.error) throw new Error(`incremental sync failed: ${inc.error}`)
                  log(
                    `incremental sync after ${what}: ${((performance.now() - started) / 1000).toFixed(1)} s, ${inc.stats.requests} requests, streams ${inc.streams.map((x) => `${x.stream}:${x.mode}`).join(' ')}`,
                  )
                }
              : undefined
          const { ms, out } = await fullSync(served, dbUrl, concurrency, undefined, incremental)
          accordMs = Math.min(accordMs, ms)
          const rssMb = process.resourceUsage().maxRSS / 1024
          const records = out.streams.reduce((n, s) => n + s.records, 0)
          log(
            `full sync: ${(ms / 1000).toFixed(1)} s, ${records} records, ${out.stats.requests} requests (minimum ${served.minimum}, ${(out.stats.requests / served.minimum).toFixed(2)}x), ${out.stats.throttled} throttled, peak RSS ${rssMb.toFixed(0)} MB`,
          )
        }
        if (parts.includes('sdk')) {
          const sdk = await sdkListing(served)
          sdkMs = Math.min(sdkMs, sdk.ms)
          log(
            `@okta/okta-sdk-nodejs listing (no store): ${(sdk.ms / 1000).toFixed(1)} s, ${sdk.records} records`,
          )
        }
      }
      if (Number.isFinite(accordMs) && Number.isFinite(sdkMs)) {
        log(
          `accord (storing) / SDK (listing only), best of ${repeat}: ${(accordMs / 1000).toFixed(1)} s / ${(sdkMs / 1000).toFixed(1)} s = ${(accordMs / sdkMs).toFixed(2)}x`,
        )
      }
    } finally {
      stop()
    }
  }

  if (parts.includes('throttled')) {
    const { served, stop } = await startChild(size, seed, true)
    try {
      const series: { t: number; byEndpoint: Record<string, number> }[] = []
      let done = false
      const sampler = (async () => {
        while (!done) {
          const c = await poll(served.url)
          series.push({ t: performance.now(), byEndpoint: c.byEndpoint })
          await new Promise((r) => setTimeout(r, 250))
        }
      })()
      // At Okta's largest pages a medium org needs fewer requests than one window allows; smaller pages
      // (--page-size, default 25) make the run rate-bound, which is what this part measures.
      const pageSize = Number(arg('page-size', '25'))
      log(`throttled run: page size ${pageSize}`)
      const { ms, out } = await fullSync(served, dbUrl, concurrency, pageSize)
      done = true
      await sampler
      const final = await poll(served.url)
      const total = final.total
      const throttled = Number(final.byStatus['429'] ?? 0)
      log(
        `throttled full sync (600/min per endpoint): ${(ms / 1000).toFixed(1)} s, ${out.stats.requests} requests, ${throttled} 429s (${((100 * throttled) / total).toFixed(2)}% of requests), run ${out.status}`,
      )
      // Per endpoint: requests while in use against 600/min over that time. An endpoint that needed no more
      // than one bucket (600) never had to be paced; its share says nothing about the limiter.
      let used = 0
      let allowed = 0
      for (const ep of Object.keys(final.byEndpoint)) {
        if (ep.startsWith('GET /_control')) continue
        const points = series.filter((p) => (p.byEndpoint[ep] ?? 0) > 0)
        const first = points[0]
        const last = series.find((p) => (p.byEndpoint[ep] ?? 0) >= (final.byEndpoint[ep] ?? 0))
        const n = final.byEndpoint[ep] ?? 0
        const spanMs = first && last ? last.t - first.t : 0
        if (n <= 600) {
          log(`  ${ep}: ${n} requests in ${(spanMs / 1000).toFixed(0)} s (within one bucket: not rate-bound)`)
          continue
        }
        // The sandbox's buckets are token buckets: a full one allows 600 at once, then 10 per second.
        const cap = 600 + (spanMs / 60_000) * 600
        used += n
        allowed += cap
        log(
          `  ${ep}: ${n} requests in ${(spanMs / 1000).toFixed(0)} s = ${((100 * n) / cap).toFixed(1)}% of the allowed ${cap.toFixed(0)}`,
        )
      }
      if (allowed > 0)
        log(`rate-bound endpoints: ${((100 * used) / allowed).toFixed(1)}% of the allowed rate`)
    } finally {
      stop()
    }
  }
  console.log(`\n${lines.join('\n')}`)
}

await main()

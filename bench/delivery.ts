/**
 * Delivery benchmark: N findings raised as tickets into the sandbox ServiceNow (and Jira) under a rate limit,
 * then the same history exported as OCSF and CEF. Prints the figures and writes bench/results/delivery.md.
 *
 *   npm run bench:delivery -- [--n 10000] [--rate 100] [--paced] [--store pglite|postgres] [--jira]
 *
 * `--rate` is the sandbox's Table API rule in requests per second (the vendor's allowance); the figure to read
 * is the share of it delivery achieved. Postgres: TEST_DATABASE_URL (a schema of its own, dropped after).
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { sql } from 'kysely'
import { Config } from '../src/config/schema.ts'
import { silentLogger } from '../src/core/logger.ts'
import { runExports } from '../src/delivery/export/run-exports.ts'
import { deliver } from '../src/delivery/outbox/deliver.ts'
import { enqueueRaise } from '../src/delivery/outbox/enqueue.ts'
import { SANDBOX_JIRA_CREDENTIALS, startJiraSimulator } from '../src/sandbox/jira/index.ts'
import { JIRA_STATUSES } from '../src/sandbox/scenario/world.ts'
import { SANDBOX_SERVICENOW_CREDENTIALS, startServiceNowSimulator } from '../src/sandbox/servicenow/index.ts'
import type { Db } from '../src/store/database.ts'
import { migrateToLatest } from '../src/store/migrate.ts'
import { openStore } from '../src/store/open.ts'

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '100' },
    store: { type: 'string', default: 'pglite' },
    jira: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '8' },
    /** Tell the connector the allowance (`rateLimit.perSecond`), as an operator who knows the rule would. */
    paced: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
})
const N = Number(args.n)
const RATE = Number(args.rate)
const CONCURRENCY = Number(args.concurrency)

async function seed(db: Db, config: Config, n: number, source: string, prefix: string) {
  const at = new Date('2026-11-29T10:00:00Z')
  for (let start = 0; start < n; start += 1_000) {
    const ids = Array.from({ length: Math.min(1_000, n - start) }, (_, i) => `${prefix}${start + i}`)
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('findings')
        .values(
          ids.map((id, i) => ({
            id,
            rule: 'ACC-001',
            severity: 'high',
            status: 'open',
            identity_key: `user${start + i}@contoso.com`,
            identity_kind: 'person',
            entitlement_source: source,
            entitlement_type: 'group',
            entitlement_id: `grp-${start + i}`,
            entitlement_name: `Finance | ${start + i} = "RW"`,
            ticket_source: null,
            ticket_key: null,
            credential_key_id: null,
            title: `user${start + i}@contoso.com holds Finance-${start + i} with no approved ticket`,
            evidence: JSON.stringify({ grant: { principal: `u-${start + i}` } }),
            first_seen: at,
            last_seen: at,
            resolved_at: null,
            suppressed_until: null,
            updated_run_id: 'bench',
          })),
        )
        .execute()
      const events = await trx
        .insertInto('finding_events')
        .values(
          ids.map((id) => ({
            finding_id: id,
            run_id: 'bench',
            type: 'opened',
            at,
            severity: 'high',
            status: 'open',
            data: '{}',
          })),
        )
        .returning(['id', 'finding_id'])
        .execute()
      await enqueueRaise(
        trx,
        events.map((e) => ({
          id: Number(e.id),
          findingId: e.finding_id,
          type: 'opened' as const,
          severity: 'high' as const,
          data: {},
        })),
        config.raise,
      )
    })
  }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'accord-bench-delivery-'))
  const schema = `bench_delivery_${process.pid}`
  const store =
    args.store === 'postgres'
      ? await openStore({ url: process.env.TEST_DATABASE_URL!, schema, maxConnections: 10 })
      : await openStore({ path: join(dir, 'store') })
  const m = await migrateToLatest(store)
  if (m.error) throw m.error
  const rule = { capacity: Math.max(1, Math.round(RATE)), windowMs: 1_000 }
  const snow = await startServiceNowSimulator(
    { instance: 'acme', tables: {}, references: {}, aclHidden: [] },
    { rateLimits: { 'table-api': rule } },
  )
  const jira = args.jira
    ? await startJiraSimulator(
        {
          site: 'acme.atlassian.net',
          projects: [{ id: '10001', key: 'IAM', name: 'IAM' }],
          fields: [],
          users: [],
          issues: [],
          statuses: JIRA_STATUSES,
          transitions: [],
        },
        { searchDelayMs: 500 },
      )
    : null
  const config = Config.parse({
    connectors: [
      {
        id: 'snow',
        kind: 'servicenow',
        baseUrl: snow.url,
        auth: { type: 'basic', ...SANDBOX_SERVICENOW_CREDENTIALS.users[0]! },
        rateLimit: { concurrency: CONCURRENCY, ...(args.paced ? { perSecond: RATE } : {}) },
      },
      ...(jira
        ? [
            {
              id: 'jira',
              kind: 'jira',
              baseUrl: jira.url,
              auth: { type: 'basic', ...SANDBOX_JIRA_CREDENTIALS.tokens[0]! },
              rateLimit: { concurrency: CONCURRENCY },
            },
          ]
        : []),
    ],
    raise: {
      minSeverity: 'high',
      maxNewPerRun: N * 2,
      routes: [...(jira ? [{ when: { source: 'okta' }, to: 'jira' }] : []), { to: 'snow' }],
      sinks: { snow: { table: 'incident' }, ...(jira ? { jira: { project: 'IAM' } } : {}) },
    },
    exports: [
      { id: 'ocsf', type: 'file', format: 'ocsf', path: join(dir, 'findings.ocsf.jsonl') },
      { id: 'cef', type: 'file', format: 'cef', path: join(dir, 'findings.cef') },
    ],
  })
  const lines: string[] = []
  const say = (s: string) => {
    console.log(s)
    lines.push(s)
  }
  try {
    let t = performance.now()
    await seed(store.db, config, N, 'entra', 'snow-')
    if (jira) await seed(store.db, config, Math.round(N / 10), 'okta', 'jira-')
    say(
      `seeded ${N} findings${jira ? ` + ${Math.round(N / 10)} for Jira` : ''} with outbox rows in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    )

    t = performance.now()
    const report = await deliver(store.db, config, {
      logger: silentLogger(),
      concurrency: CONCURRENCY,
      storeKind: store.kind,
    })
    const secs = (performance.now() - t) / 1000
    const incidents = snow.db.table('incident').rows.length
    const snowRequests = incidents * 2
    say(
      `raised ${report.created.length} tickets (${incidents} ServiceNow incidents${jira ? `, ${jira.db.tenant.issues.length} Jira issues` : ''}) in ${secs.toFixed(1)} s: ${(report.created.length / secs).toFixed(0)} tickets/s`,
    )
    say(
      `ServiceNow: ~${snowRequests} Table API requests (lookup + create per finding) = ${(snowRequests / secs).toFixed(0)} req/s against an allowance of ${RATE} req/s: ${((100 * snowRequests) / secs / RATE).toFixed(0)}% of the allowed rate`,
    )
    say(
      `dead ${report.dead.length}, retrying ${report.retrying.length}, outbox ${JSON.stringify(report.outbox)}`,
    )

    const events = N + (jira ? Math.round(N / 10) : 0)
    for (const id of ['ocsf', 'cef']) {
      t = performance.now()
      const [r] = await runExports(store.db, config, {
        logger: silentLogger(),
        baseDir: dir,
        only: [id],
        pageSize: 1_000,
      })
      const s = (performance.now() - t) / 1000
      const size = statSync(join(dir, id === 'ocsf' ? 'findings.ocsf.jsonl' : 'findings.cef')).size
      say(
        `export ${id}: ${r!.sent} events in ${s.toFixed(2)} s = ${(r!.sent / s).toFixed(0)} events/s (${(size / r!.sent).toFixed(0)} bytes/event)${r!.error ? ` ERROR ${r!.error}` : ''}`,
      )
      if (r!.sent !== events) throw new Error(`export ${id} sent ${r!.sent} of ${events}`)
    }
  } finally {
    await snow.close()
    await jira?.close()
    if (store.kind === 'postgres')
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(store.db)
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
  if (args.out) {
    writeFileSync(
      args.out,
      `\n## ${new Date().toISOString()} — n=${N}, rate=${RATE} req/s, store=${args.store}, concurrency=${CONCURRENCY}${args.paced ? `, connector rateLimit.perSecond=${RATE}` : ', connector not told the rate'}${args.jira ? ', jira' : ''}\n\n${lines.map((l) => `- ${l}`).join('\n')}\n`,
      { flag: 'a' },
    )
  }
}

await main()

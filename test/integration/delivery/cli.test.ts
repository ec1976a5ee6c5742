import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command, CommanderError } from 'commander'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { commands } from '../../../src/cli/commands.ts'
import { Config } from '../../../src/config/schema.ts'
import {
  SANDBOX_SERVICENOW_CREDENTIALS,
  type ServiceNowSimulator,
  startServiceNowSimulator,
} from '../../../src/sandbox/servicenow/index.ts'
import { migrateToLatest } from '../../../src/store/migrate.ts'
import { openStore } from '../../../src/store/open.ts'
import { runCli } from '../../helpers/cli.ts'
import { decodeCef } from '../../unit/delivery/cef-decoder.ts'
import { ocsfErrors } from '../../unit/delivery/ocsf-validator.ts'
import { seedOpenFindings } from './bulk-seed.ts'

/**
 * The CLI in this process (a spawned Node costs seconds per command on a busy machine): the same commands and
 * global options as bin/accord, output captured. The first command below spawns the real binary.
 */
async function inProcess(args: string[], env: Record<string, string>) {
  const program = new Command('accord')
    .option('-c, --config <file>')
    .option('--json')
    .option('--log-level <level>')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} })
  for (const c of commands) c.register(program)
  let stdout = ''
  let stderr = ''
  const out = process.stdout.write.bind(process.stdout)
  const err = process.stderr.write.bind(process.stderr)
  const capture =
    (append: (s: string) => void) =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined
      if (cb) queueMicrotask(cb)
      return true
    }
  process.stdout.write = capture((c) => (stdout += c)) as typeof process.stdout.write
  process.stderr.write = capture((c) => (stderr += c)) as typeof process.stderr.write
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  Object.assign(process.env, env)
  process.exitCode = 0
  let code: number
  try {
    await program.parseAsync(['node', 'accord', '--log-level', 'silent', ...args])
    code = Number(process.exitCode ?? 0)
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e
    code = 2
  } finally {
    process.stdout.write = out
    process.stderr.write = err
    process.exitCode = 0
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
  return { code, stdout, stderr }
}

describe('accord deliver and accord findings export', () => {
  let dir: string
  let snow: ServiceNowSimulator
  const env = { SNOW_PASSWORD: SANDBOX_SERVICENOW_CREDENTIALS.users[0]!.password }
  const write = (name: string, table: string) => {
    const raw = {
      store: { path: './store' },
      connectors: [
        {
          id: 'snow',
          kind: 'servicenow',
          baseUrl: snow.url,
          auth: {
            type: 'basic',
            username: SANDBOX_SERVICENOW_CREDENTIALS.users[0]!.username,
            password: '${SNOW_PASSWORD}',
          },
        },
      ],
      raise: { minSeverity: 'high', maxNewPerRun: 3, routes: [{ to: 'snow' }], sinks: { snow: { table } } },
      exports: [{ id: 'siem-file', type: 'file', format: 'ocsf', path: 'out/findings.ocsf.jsonl' }],
    }
    writeFileSync(join(dir, name), stringify(raw))
    return Config.parse(raw)
  }
  const cli = (...args: string[]) => {
    const withConfig = args.includes('--config') ? args : ['--config', join(dir, 'accord.yaml'), ...args]
    return inProcess(
      withConfig.map((a) => (a.startsWith('out/') ? join(dir, a) : a)),
      env,
    )
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-deliver-cli-'))
    snow = await startServiceNowSimulator({ instance: 'acme', tables: {}, references: {}, aclHidden: [] })
    const config = write('accord.yaml', 'incident')
    write('broken.yaml', 'u_no_such_table')
    const store = await openStore({ path: join(dir, 'store') })
    if ((await migrateToLatest(store)).error) throw new Error('migration failed')
    await seedOpenFindings(store.db, config, 5, { source: 'entra', prefix: 'cli' })
    await store.close()
  })
  afterAll(async () => {
    await snow?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('dead-letters what the ITSM refuses, and --dry-run then deliver then --retry-dead raise the rest', async () => {
    // A sink table the instance does not have: a permanent failure, not a retry loop.
    const broken = await runCli(['deliver', '--config', 'broken.yaml', '--no-exports'], { env, cwd: dir })
    expect(broken.code).toBe(1)
    expect(broken.stderr).toMatch(/dead letter: finding cli-000000 \(snow create\): .*u_no_such_table/)
    expect(broken.stderr).toContain('accord deliver --retry-dead')

    // The dead letters show on the findings, with their reason.
    const listed = JSON.parse((await cli('findings', 'list', '--json')).stdout) as {
      id: string
      delivery: { state: string; error: string } | null
      raisedTicket: { key: string } | null
    }[]
    expect(listed.filter((f) => f.delivery?.state === 'dead').map((f) => f.id)).toEqual([
      'cli-000000',
      'cli-000001',
      'cli-000002',
    ])
    expect(listed.find((f) => f.id === 'cli-000000')!.delivery!.error).toMatch(/u_no_such_table/)

    const plan = await cli('deliver', '--dry-run')
    expect(plan.code).toBe(0)
    // The three creates that took this run's maxNewPerRun slots died; the two deferred ones are still queued.
    expect(plan.stdout).toMatch(/tickets: 2 would be created/)
    expect(plan.stdout).toMatch(/outbox: 2 pending, 0 in flight, 3 dead/)
    expect(plan.stderr.match(/dead letter: finding cli-00000[012]/g)).toHaveLength(3)
    expect(plan.stdout).toMatch(/export siem-file: would send 5 events/)
    expect(snow.db.table('incident').rows).toHaveLength(0)

    const retry = await cli('deliver', '--retry-dead', '--json')
    expect(retry.stderr).toBe('')
    expect(retry.code).toBe(0)
    const out = JSON.parse(retry.stdout)
    expect(out.tickets.revived).toBe(3)
    expect(out.tickets.created).toHaveLength(3)
    expect(out.tickets.deferred).toBe(2)
    expect(out.exports).toEqual([{ id: 'siem-file', sent: 5, from: 0, to: 5, error: null }])
    const lines = readFileSync(join(dir, 'out/findings.ocsf.jsonl'), 'utf8').trim().split('\n')
    expect(lines).toHaveLength(5)
    for (const l of lines) expect(ocsfErrors(JSON.parse(l))).toEqual([])

    const rest = await cli('deliver')
    expect(rest.code).toBe(0)
    expect(rest.stdout).toMatch(/tickets: 2 were created, 0 updated, 0 resolved, 0 reopened/)
    expect(rest.stdout).toMatch(/export siem-file: sent 0 events/)
    expect(snow.db.table('incident').rows).toHaveLength(5)

    const after = JSON.parse((await cli('findings', 'list', '--json')).stdout) as {
      delivery: { state: string } | null
      raisedTicket: { sink: string; key: string } | null
    }[]
    expect(after.every((f) => f.raisedTicket?.sink === 'snow' && f.delivery?.state === 'raised')).toBe(true)
    expect(new Set(after.map((f) => f.raisedTicket!.key)).size).toBe(5)

    // The raised tickets are on the findings, and the export carries them through the incident profile.
    const csv = await cli('findings', 'export', '--format', 'csv', '--out', 'out/findings.csv')
    expect(csv.code).toBe(0)
    const rows = readFileSync(join(dir, 'out/findings.csv'), 'utf8').trim().split('\n')
    expect(rows[0]).toMatch(/^event_id,time,event,finding_id,rule/)
    expect(rows.slice(1).every((r) => /,snow:INC\d+,/.test(r))).toBe(true)
    const cef = await cli('findings', 'export', '--format', 'cef', '--since', '2026-11-29T00:00:00Z')
    const decoded = cef.stdout.trim().split('\n').map(decodeCef)
    expect(decoded).toHaveLength(5)
    expect(decoded.every((d) => /^INC\d+$/.test(d.extension.get('cs4') ?? ''))).toBe(true)
    // Replay from event 4: the exporter sends events 4 and 5 again (same metadata.uid: receivers dedupe).
    const replay = await cli(
      'deliver',
      '--no-tickets',
      '--exporter',
      'siem-file',
      '--replay-from',
      '4',
      '--json',
    )
    expect(JSON.parse(replay.stdout).exports).toEqual([
      { id: 'siem-file', sent: 2, from: 3, to: 5, error: null },
    ])
    const replayed = readFileSync(join(dir, 'out/findings.ocsf.jsonl'), 'utf8').trim().split('\n')
    const uid = (l: string) => (JSON.parse(l) as { metadata: { uid: string } }).metadata.uid
    expect(replayed.slice(5).map(uid)).toEqual(lines.slice(3).map(uid))
    // Replayed now, they carry the tickets raised since (through the incident profile), and still validate.
    for (const l of replayed.slice(5)) {
      expect(JSON.parse(l).tickets).toHaveLength(1)
      expect(ocsfErrors(JSON.parse(l))).toEqual([])
    }

    const none = await cli('findings', 'export', '--since', '2027-01-01T00:00:00Z')
    expect(none.stdout).toBe('')
  }, 120_000)

  it('says what is wrong with its arguments', async () => {
    const r = await cli('deliver', '--replay-from', '3')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--replay-from needs --exporter/)
    const s = await cli('findings', 'export', '--since', 'yesterday')
    expect(s.code).toBe(2)
    expect(s.stderr).toMatch(/--since: expected an ISO time/)
  })
})

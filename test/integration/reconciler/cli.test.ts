import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command, CommanderError } from 'commander'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commands } from '../../../src/cli/commands.ts'
import { migrateToLatest } from '../../../src/store/migrate.ts'
import { openStore } from '../../../src/store/open.ts'
import { runCli } from '../../helpers/cli.ts'
import { days, ent, grant, NOW, person, sync, ticket } from '../../unit/reconciler/world.ts'

const env = { ACCORD_NOW: NOW }

/**
 * The CLI in this process (a spawned Node costs seconds per command on a loaded machine): the same commands
 * and global options as bin/accord, output captured. One test below spawns the real binary.
 */
async function inProcess(args: string[]) {
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
  process.stdout.write = ((chunk: string) => {
    stdout += chunk
    return true
  }) as typeof process.stdout.write
  process.stderr.write = ((chunk: string) => {
    stderr += chunk
    return true
  }) as typeof process.stderr.write
  process.exitCode = 0
  process.env.ACCORD_NOW = NOW
  let code: number
  try {
    await program.parseAsync(['node', 'accord', ...args])
    code = Number(process.exitCode ?? 0)
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e
    code = 2
  } finally {
    process.stdout.write = out
    process.stderr.write = err
    process.exitCode = 0
  }
  return { code, stdout, stderr }
}

describe('accord reconcile, findings, evidence, baseline', () => {
  let dir: string
  const covered = ticket('ann@contoso.com', ['VPN'])
  const cli = (...args: string[]) => inProcess(['--config', join(dir, 'accord.yaml'), ...args])

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-cli-'))
    writeFileSync(join(dir, 'accord.yaml'), 'store: { path: store }\n')
    writeFileSync(join(dir, 'policy.yaml'), 'privileged: [{ name: "*Admin*" }]\n')
    const store = await openStore({ path: join(dir, 'store') })
    await migrateToLatest(store)
    await sync(store.db, {
      identities: [person('entra', 'u-ann', 'ann@contoso.com'), person('entra', 'u-bob', 'bob@contoso.com')],
      entitlements: [
        ent('entra', 'g-vpn', 'VPN'),
        ent('entra', 'g-adm', 'Billing Admins'),
        ent('entra', 'g-wiki', 'Wiki'),
      ],
      grants: [
        grant('entra', 'u-ann', 'g-vpn'),
        grant('entra', 'u-bob', 'g-adm'),
        grant('entra', 'u-bob', 'g-wiki', days(10)),
      ],
      tickets: [covered],
    })
    await store.close()
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('reconciles, prints the summary and exits 3 at the --fail-on threshold', {
    timeout: 120_000,
  }, async () => {
    const r = await runCli(['--config', join(dir, 'accord.yaml'), 'reconcile', '--fail-on', 'critical'], {
      env,
      timeoutMs: 110_000,
    })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(3)
    expect(r.stdout).toMatch(/ACC-001 .*critical .*1/)
    expect(r.stdout).toMatch(/2 opened/)
    const again = await cli('reconcile', '--fail-on', 'critical', '--json')
    expect(again.code).toBe(3)
    expect(JSON.parse(again.stdout).changes).toMatchObject({ opened: 0, unchanged: 2 })
    const bad = await cli('reconcile', '--fail-on', 'severe')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--fail-on: expected one of low, medium, high, critical/)
  })

  it('lists findings as DESIGN section 11 JSON and explains one in words', async () => {
    const list = await cli('findings', 'list', '--json')
    expect(list.code).toBe(0)
    const found = JSON.parse(list.stdout) as {
      id: string
      rule: string
      severity: string
      entitlement: { name: string }
    }[]
    expect(found.map((f) => [f.rule, f.severity, f.entitlement.name]).sort()).toEqual([
      ['ACC-001', 'critical', 'Billing Admins'],
      ['ACC-001', 'high', 'Wiki'],
    ])
    const high = await cli('findings', 'list', '--severity', 'critical')
    expect(high.stdout).toMatch(/Billing Admins/)
    expect(high.stdout).not.toMatch(/Wiki/)
    const wiki = found.find((f) => f.entitlement.name === 'Wiki')!
    const show = await cli('findings', 'show', wiki.id.slice(0, 10))
    expect(show.code).toBe(0)
    expect(show.stdout).toMatch(/bob@contoso.com .* holds Wiki/)
    expect(show.stdout).toMatch(/Why it is drift/)
    expect(show.stdout).toMatch(/What to do/)
    expect(show.stdout).toMatch(/opened/)
    const none = await cli('findings', 'show', 'ffffffffffff')
    expect(none.code).toBe(2)
  })

  it('suppresses by id until a time, effective at the next reconcile', async () => {
    const list = JSON.parse((await cli('findings', 'list', '--json')).stdout) as {
      id: string
      entitlement: { name: string }
    }[]
    const wiki = list.find((f) => f.entitlement.name === 'Wiki')!
    const r = await cli(
      'findings',
      'suppress',
      wiki.id,
      '--reason',
      'contractor onboarding',
      '--until',
      '30d',
      '--ticket',
      'CHG42',
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/1 finding/)
    await cli('reconcile')
    const after = JSON.parse((await cli('findings', 'list', '--status', 'suppressed', '--json')).stdout) as {
      id: string
    }[]
    expect(after.map((f) => f.id)).toEqual([wiki.id])
    const missing = await cli('findings', 'suppress', 'nope*', '--reason', 'x', '--until', '1d')
    expect(missing.code).toBe(2)
  })

  it('shows evidence for covered grants as a table, JSON and CSV', async () => {
    const json = JSON.parse((await cli('evidence', '--format', 'json')).stdout) as {
      identity: string
      coveredBy: string
      ticket: { key: string }
      approvers: string[]
    }[]
    expect(json).toEqual([
      expect.objectContaining({
        identity: 'ann@contoso.com',
        coveredBy: 'ticket',
        ticket: expect.objectContaining({ key: covered.key }),
        approvers: ['boss@contoso.com'],
      }),
    ])
    const csv = await cli('evidence', '--format', 'csv', '--identity', 'ANN@contoso.com')
    expect(csv.stdout.split('\n')[0]).toMatch(/^identity,account,source/)
    expect(csv.stdout).toMatch(new RegExp(`ann@contoso.com,.*,${covered.key},boss@contoso.com`))
    const early = JSON.parse((await cli('evidence', '--json', '--as-of', '2020-01-01')).stdout)
    expect(early).toEqual([])
  })

  it('accepts the uncovered grants as the baseline, and the next reconcile resolves their findings', async () => {
    const r = await cli('baseline', 'accept', '--by', 'ciso@contoso.com')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/accepted 2 grant/)
    const rec = JSON.parse((await cli('reconcile', '--json')).stdout)
    expect(rec.changes.resolved).toBe(2)
    expect(JSON.parse((await cli('findings', 'list', '--json')).stdout)).toEqual([])
    const ev = JSON.parse((await cli('evidence', '--json')).stdout) as { coveredBy: string }[]
    expect(ev.map((e) => e.coveredBy).sort()).toEqual(['baseline', 'baseline', 'ticket'])
  })
})

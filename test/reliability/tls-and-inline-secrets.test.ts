import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.ts'
import { type ReliabilitySandbox, startReliabilitySandbox } from './harness.ts'

/**
 * TLS verification is on unless an explicit option turns it off, and turning it off is logged (issue 11);
 * `accord check` warns about a secret written inline in the config, online as offline, without printing it.
 * Against the sandbox's Graph, which serves HTTPS with a certificate from its own CA.
 */
describe('TLS and inline secrets', { timeout: 300_000 }, () => {
  let rs: ReliabilitySandbox
  let yaml: string

  /** The generated config with the Entra connector's `tls` block replaced. */
  function entraTls(block: string): string {
    const at = yaml.indexOf('  - id: entra')
    const end = yaml.indexOf('  - id: okta')
    const entra = yaml.slice(at, end).replace(/ {4}tls:\n {6}caFile: \.\/ca\.pem\n/, block)
    return yaml.slice(0, at) + entra + yaml.slice(end)
  }
  const run = (file: string, args: string[]) =>
    runCli([...args, '--config', join(rs.dir, file), '--json'], {
      cwd: rs.dir,
      env: { ACCORD_NOW: rs.scenario.now, ACCORD_LOG_LEVEL: 'info' },
      timeoutMs: 240_000,
    })

  beforeAll(async () => {
    rs = await startReliabilitySandbox(3)
    yaml = readFileSync(join(rs.dir, 'accord.yaml'), 'utf8')
  }, 120_000)
  afterAll(async () => {
    await rs?.close()
  })

  it('without the CA, the self-signed sandbox is refused: verification is on by default', async () => {
    writeFileSync(join(rs.dir, 'no-ca.yaml'), entraTls(''))
    const r = await run('no-ca.yaml', ['sync', '--connector', 'entra'])
    expect(r.code).toBe(1)
    const [outcome] = JSON.parse(r.stdout) as { status: string; error: string }[]
    expect(outcome!.status).toBe('failed')
    expect(outcome!.error).toMatch(/certificate|self[- ]signed|UNABLE_TO_VERIFY|issuer/i)
    expect(r.stderr).not.toMatch(/VERIFICATION IS OFF/)
  })

  it('tls.insecure turns verification off only with a loud warning naming the connector', async () => {
    writeFileSync(join(rs.dir, 'insecure.yaml'), entraTls('    tls:\n      insecure: true\n'))
    const r = await run('insecure.yaml', ['sync', '--connector', 'entra'])
    expect(r.code, r.stderr.slice(-1500)).toBe(0)
    const warnings = r.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: number; msg: string; connector?: string })
      .filter((l) => /TLS CERTIFICATE VERIFICATION IS OFF/.test(l.msg))
    expect(warnings.length).toBeGreaterThan(0)
    expect(warnings[0]).toMatchObject({ level: 40, connector: 'entra' })
  })

  it('accord check (online) warns about an inline secret by its path, and does not print it', async () => {
    const token = rs.sandbox.credentials.okta.sswsTokens[0]!
    writeFileSync(join(rs.dir, 'inline.yaml'), yaml.replace('file:./okta-token', token))
    const r = await run('inline.yaml', ['check'])
    const report = JSON.parse(r.stdout) as {
      warnings: string[]
      connectors: { id: string; checks: unknown[] }[]
    }
    // Online: the connectors were checked, not just the file.
    expect(report.connectors.find((c) => c.id === 'okta')!.checks.length).toBeGreaterThan(0)
    expect(report.warnings.join('\n')).toMatch(/connectors\.3\.auth\.token|connectors\[3\]\.auth\.token/)
    expect(report.warnings.join('\n')).toMatch(/inline/)
    expect(r.stdout + r.stderr).not.toContain(token)
    const offline = await run('inline.yaml', ['check', '--offline'])
    expect((JSON.parse(offline.stdout) as { warnings: string[] }).warnings.join('\n')).toMatch(/inline/)
  })
})

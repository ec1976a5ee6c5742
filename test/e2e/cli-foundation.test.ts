import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.ts'

const dir = mkdtempSync(join(tmpdir(), 'accord-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('accord CLI basics', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string
    }
    const r = await runCli(['--version'])
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` })
  })

  it('--help lists the commands and the exit codes', async () => {
    const r = await runCli(['--help'])
    expect(r.code).toBe(0)
    for (const c of ['init', 'check', 'migrate']) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'))
    expect(r.stdout).toContain(
      'Exit codes: 0 done; 1 something failed; 2 usage or config error; 3 a --fail-on threshold',
    )
  })

  it('an unknown command is a usage error (exit 2)', async () => {
    const r = await runCli(['frobnicate'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("unknown command 'frobnicate'")
  })

  it('init writes a starter config that check --offline accepts', async () => {
    const init = await runCli(['init'], { cwd: dir })
    expect(init.code).toBe(0)
    const check = await runCli(['check', '--offline', '--json'], { cwd: dir, env: { OKTA_TOKEN: undefined } })
    expect(check.code).toBe(0)
    const out = JSON.parse(check.stdout) as {
      valid: boolean
      connectors: { id: string; kind: string }[]
      warnings: string[]
    }
    expect(out.valid).toBe(true)
    expect(out.connectors.map((c) => c.kind).sort()).toEqual(['entra', 'jira', 'okta', 'servicenow'])
    expect(out.warnings).toContain('connectors[3].auth.token: environment variable OKTA_TOKEN is not set')
    const again = await runCli(['init'], { cwd: dir })
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('exists; pass --force to overwrite it')
  })

  it('a broken config exits 2 with the path and no stack trace', async () => {
    const r = await runCli(['check', '--offline', '--config', join(dir, 'missing.yaml')])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`${join(dir, 'missing.yaml')} is not valid:\n  file does not exist`)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })
})

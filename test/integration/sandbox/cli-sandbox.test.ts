import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { callControl } from '../../../src/sandbox/core/index.ts'
import { ACCORD_BIN, runCli } from '../../helpers/cli.ts'

/** `accord sandbox` as its own process: flags, the files it writes, serving, and a clean stop. */

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('accord sandbox', () => {
  it('refuses bad flags with exit 2 and a message naming the flag', async () => {
    const [size, faults] = await Promise.all([
      runCli(['sandbox', '--scenario', 'huge']),
      runCli(['sandbox', '--faults', '5xx=2']),
    ])
    expect(size.code).toBe(2)
    expect(size.stderr).toMatch(/--scenario must be one of small, medium, large/)
    expect(faults.code).toBe(2)
    expect(faults.stderr).toMatch(/"5xx=2".*between 0 and 1/)
  })

  it('serves a small scenario standalone, writes a config that validates, and stops on SIGTERM', async () => {
    const out = mkdtempSync(join(tmpdir(), 'accord-sandbox-'))
    dirs.push(out)
    const child = spawn(process.execPath, [ACCORD_BIN, 'sandbox', '--json', '--out', out, '--seed', '3'], {
      env: { ...process.env, ACCORD_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const exited = new Promise<number | null>((r) => child.on('close', r))
    try {
      const deadline = Date.now() + 60_000
      while (!stdout.trim().endsWith('}') && Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`accord sandbox exited: ${stderr}`)
        await new Promise((r) => setTimeout(r, 100))
      }
      const info = JSON.parse(stdout) as {
        urls: Record<string, string>
        files: string[]
        control: Record<string, string>
      }
      for (const f of [
        'accord.yaml',
        'policy.yaml',
        'ca.pem',
        'manifest.json',
        'okta-token',
        'entra-client-secret',
      ]) {
        expect(existsSync(join(out, f)), f).toBe(true)
      }
      expect(statSync(join(out, 'okta-token')).mode & 0o777).toBe(0o600)
      const yaml = readFileSync(join(out, 'accord.yaml'), 'utf8')
      expect(yaml).toContain(`orgUrl: ${info.urls.okta}`)
      expect(yaml).toContain('file:./okta-token')
      expect(yaml).not.toContain(readFileSync(join(out, 'okta-token'), 'utf8'))
      const token = readFileSync(join(out, 'okta-token'), 'utf8')
      const users = await fetch(`${info.urls.okta}/api/v1/users?limit=3`, {
        headers: { authorization: `SSWS ${token}` },
      })
      expect(users.status).toBe(200)
      expect(((await users.json()) as unknown[]).length).toBe(3)
      const counts = (await callControl(info.urls.okta, 'counts')) as { total: number }
      expect(counts.total).toBe(1)
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as unknown[]
      expect(manifest.length).toBeGreaterThan(0)

      const check = await runCli(['check', '--offline', '--config', join(out, 'accord.yaml')])
      expect(check.stderr).toBe('')
      expect(check.code).toBe(0)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
  })
})

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ALL_READ_PERMISSIONS,
  type GraphSimulator,
  startGraphSimulator,
} from '../../../src/sandbox/graph/index.ts'
import { runCli } from '../../helpers/cli.ts'
import { tinyGraphTenant } from '../sandbox/tiny-idp-tenant.ts'

/** `accord sync` and `accord check` as a user runs them, against the Graph simulator. */
describe('accord sync / check (entra)', { timeout: 240_000 }, () => {
  let sim: GraphSimulator
  let dir: string
  beforeAll(async () => {
    sim = await startGraphSimulator(tinyGraphTenant({ users: 20 }), { deltaPageSize: 5, defaultTop: 5 })
    dir = mkdtempSync(join(tmpdir(), 'accord-cli-entra-'))
    writeFileSync(join(dir, 'ca.pem'), sim.caCert)
    writeFileSync(join(dir, 'entra.secret'), sim.credentials.clientSecret)
    writeFileSync(
      join(dir, 'accord.yaml'),
      [
        'connectors:',
        '  - id: entra',
        '    kind: entra',
        `    tenantId: "${sim.tenantId}"`,
        `    clientId: "${sim.credentials.clientId}"`,
        `    clientSecret: "file:${join(dir, 'entra.secret')}"`,
        `    authorityHost: "${new URL(sim.authority).origin}"`,
        `    graphBaseUrl: "${sim.graphBaseUrl}"`,
        `    tls: { caFile: "${join(dir, 'ca.pem')}" }`,
        '',
      ].join('\n'),
    )
  })
  afterAll(async () => {
    await sim.close()
  })

  it('sync prints one row per stream and exits 0; the secret appears nowhere', async () => {
    const r = await runCli(['sync', '--config', join(dir, 'accord.yaml')], { timeoutMs: 200_000 })
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' })
    for (const s of ['users', 'groups', 'service_principals', 'app_roles', 'directory_roles'])
      expect(r.stdout).toContain(s)
    expect(r.stdout).toContain('entra: succeeded')
    expect(r.stdout + r.stderr).not.toContain(sim.credentials.clientSecret)

    const j = await runCli(['sync', '--json', '--config', join(dir, 'accord.yaml')], { timeoutMs: 200_000 })
    expect(j.code).toBe(0)
    const out = JSON.parse(j.stdout) as {
      connector: string
      status: string
      streams: { stream: string; mode: string }[]
    }[]
    expect(out[0]).toMatchObject({ connector: 'entra', status: 'succeeded' })
    expect(out[0]!.streams.find((s) => s.stream === 'users')!.mode).toBe('incremental')
  })

  it('sync of an unknown connector is a usage error', async () => {
    const r = await runCli(['sync', '--connector', 'nope', '--config', join(dir, 'accord.yaml')])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('no connector with id "nope"')
  })

  it('check shows the token and each permission, and says what to grant when one is missing', async () => {
    const ok = await runCli(['check', '--json', '--config', join(dir, 'accord.yaml')], { timeoutMs: 200_000 })
    expect(ok.code).toBe(0)
    const checks = JSON.parse(ok.stdout).connectors[0].checks as { name: string; ok: boolean }[]
    expect(checks.map((c) => c.name)).toEqual(['token', ...ALL_READ_PERMISSIONS])
    expect(checks.every((c) => c.ok)).toBe(true)

    sim.control.setPermissions({
      permissions: ALL_READ_PERMISSIONS.filter((p) => p !== 'RoleManagement.Read.Directory'),
    })
    try {
      const bad = await runCli(['check', '--config', join(dir, 'accord.yaml')], { timeoutMs: 200_000 })
      expect(bad.code).toBe(1)
      expect(bad.stdout).toMatch(/RoleManagement\.Read\.Directory.*FAIL/s)
      expect(bad.stdout).toContain(
        'grant the Microsoft Graph application permission RoleManagement.Read.Directory',
      )
    } finally {
      sim.control.setPermissions({ permissions: ALL_READ_PERMISSIONS })
    }
  })
})

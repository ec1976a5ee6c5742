import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.ts'
import { decodeCef } from '../unit/delivery/cef-decoder.ts'
import { ocsfErrors } from '../unit/delivery/ocsf-validator.ts'

const dir = mkdtempSync(join(tmpdir(), 'accord-demo-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('accord demo', () => {
  it('runs a whole cycle against the simulators and finds exactly what the sandbox planted', async () => {
    const out = join(dir, 'out')
    const r = await runCli(['demo', '--out', out, '--json'], {
      cwd: dir,
      env: { ACCORD_NOW: undefined },
      timeoutMs: 170_000,
    })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const report = JSON.parse(r.stdout) as {
      failed: boolean
      syncs: { connector: string; status: string }[]
      truth: { expected: number; found: number; missing: unknown[]; unexpected: unknown[] }
      deliver: { created: number }
      exports: { id: string; sent: number; error: string | null }[]
    }
    expect(report.syncs.map((s) => `${s.connector}:${s.status}`).sort()).toEqual([
      'entra:succeeded',
      'jira:succeeded',
      'okta:succeeded',
      'servicenow:succeeded',
    ])
    expect(report.truth.missing).toEqual([])
    expect(report.truth.unexpected).toEqual([])
    expect(report.truth.found).toBeGreaterThan(20)
    expect(report.deliver.created).toBeGreaterThan(0)
    for (const f of [
      'accord.yaml',
      'policy.yaml',
      'manifest.json',
      'findings.ocsf.jsonl',
      'findings.cef',
      'store',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true)
    }
    const ocsf = readFileSync(join(out, 'findings.ocsf.jsonl'), 'utf8').trim().split('\n')
    expect(ocsf.length).toBe(report.exports.find((e) => e.id === 'ocsf-file')!.sent)
    expect(JSON.parse(ocsf[0]!)).toMatchObject({ class_uid: 2003, category_uid: 2 })
    expect(readFileSync(join(out, 'findings.cef'), 'utf8')).toMatch(/^CEF:0\|/m)
    // Every emitted event is valid OCSF 1.8.0 (schema and OCSF's own rules); every CEF line decodes strictly.
    for (const line of ocsf) expect(ocsfErrors(JSON.parse(line))).toEqual([])
    for (const line of readFileSync(join(out, 'findings.cef'), 'utf8').trim().split('\n')) decodeCef(line)

    // The demo's store stays usable with the config it wrote.
    const list = await runCli(['findings', 'list', '--json', '--config', join(out, 'accord.yaml')], {
      cwd: dir,
    })
    expect(list.code).toBe(0)
    const findings = JSON.parse(list.stdout) as { status: string; raisedTicket: unknown }[]
    expect(findings.filter((f) => f.status === 'open')).toHaveLength(report.truth.found)
    expect(findings.some((f) => f.raisedTicket !== null)).toBe(true)
  }, 180_000)
})

import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/open.ts'
import { type CliResult, runCli } from '../helpers/cli.ts'
import { dumpAllTables, type ReliabilitySandbox, startReliabilitySandbox } from './harness.ts'

/**
 * Secrets (issue 11): a whole cycle against the sandbox, with every log line at trace level captured, plus an
 * `accord check`, a sync that fails on refused credentials, and the read commands; then every log line, error,
 * export file, store table and ticket raised in the sandbox is searched for the credentials: zero hits.
 */
const b64 = (s: string) => Buffer.from(s).toString('base64')
/** A signed token (JWT) anywhere: access tokens are secrets too, whoever issued them. */
const JWT = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/

describe('secrets never leave accord', { timeout: 400_000 }, () => {
  let rs: ReliabilitySandbox
  const outputs: Record<string, CliResult> = {}
  let secrets: Record<string, string>
  const env = (extra: Record<string, string> = {}) => ({
    ACCORD_NOW: rs.scenario.now,
    ACCORD_LOG_LEVEL: 'trace',
    ...extra,
  })

  beforeAll(async () => {
    rs = await startReliabilitySandbox(5)
    const c = rs.sandbox.credentials
    const sn = c.servicenow.users[0]!
    const jira = c.jira.tokens[0]!
    // Refused credentials reach the vendor too (and its error replies): they must be kept out as well.
    const wrong = {
      servicenow: 'WRONG-servicenow-pw-5d1c9e',
      okta: '00WRONGoktaTokenQ7vX2mZp9LwR4t',
      entra: 'sbx~WRONG-entra-secret-8f2a71',
      jira: 'WRONG-jira-token-4be0c3',
    }
    secrets = {
      'servicenow password': sn.password,
      'servicenow basic header': b64(`${sn.username}:${sn.password}`),
      'jira token': jira.token,
      'jira basic header': b64(`${jira.email}:${jira.token}`),
      'entra client secret': c.graph.clientSecret,
      'okta api token': c.okta.sswsTokens[0]!,
      'wrong servicenow password': wrong.servicenow,
      'wrong servicenow basic header': b64(`${sn.username}:${wrong.servicenow}`),
      'wrong okta token': wrong.okta,
      'wrong entra secret': wrong.entra,
      'wrong jira token': wrong.jira,
    }
    for (const [name, value] of Object.entries(wrong)) writeFileSync(join(rs.dir, `wrong-${name}`), value)
    const yaml = readFileSync(join(rs.dir, 'accord.yaml'), 'utf8')
    writeFileSync(
      join(rs.dir, 'wrong.yaml'),
      yaml
        .replace('file:./servicenow-password', 'file:./wrong-servicenow')
        .replace('file:./okta-token', 'file:./wrong-okta')
        .replace('file:./entra-client-secret', 'file:./wrong-entra')
        .replace('file:./jira-token', 'file:./wrong-jira')
        .replace('path: ./store', 'path: ./wrong-store'),
    )

    const cfg = join(rs.dir, 'accord.yaml')
    const run = (args: string[]) =>
      runCli([...args, '--config', cfg], { cwd: rs.dir, env: env(), timeoutMs: 240_000 })
    outputs.run = await run(['run', '--json'])
    outputs.check = await run(['check', '--json'])
    outputs.failedSync = await runCli(['sync', '--json', '--config', join(rs.dir, 'wrong.yaml')], {
      cwd: rs.dir,
      env: env(),
      timeoutMs: 240_000,
    })
    outputs.failedCheck = await runCli(['check', '--config', join(rs.dir, 'wrong.yaml')], {
      cwd: rs.dir,
      env: env(),
      timeoutMs: 240_000,
    })
    outputs.findings = await run(['findings', 'list', '--json'])
  }, 400_000)
  afterAll(async () => {
    await rs?.close()
  })

  function search(where: string, text: string): string[] {
    const hits = Object.entries(secrets)
      .filter(([, v]) => text.includes(v))
      .map(([name]) => `${name} in ${where}`)
    if (JWT.test(text)) hits.push(`a signed token in ${where}`)
    return hits
  }

  it('the runs did what they should, with trace logging on', () => {
    expect(outputs.run!.code, outputs.run!.stderr.slice(-2000)).toBe(0)
    expect(JSON.parse(outputs.run!.stdout)).toMatchObject({ failed: false })
    // Trace-level lines were written (so the search below reads real request logging).
    expect(outputs.run!.stderr.split('\n').length).toBeGreaterThan(50)
    expect(outputs.run!.stderr).toMatch(/"level":10/)
    expect(outputs.failedSync!.code).toBe(1)
    const failed = JSON.parse(outputs.failedSync!.stdout) as { status: string; error: string }[]
    expect(failed.map((s) => s.status)).toEqual(['failed', 'failed', 'failed', 'failed'])
    for (const s of failed) expect(s.error).toMatch(/401|403|unauthori[sz]ed|invalid|credential|AADSTS/i)
    expect(outputs.failedCheck!.code).toBe(1)
  })

  it('no log line, output or error of any command holds a secret', () => {
    const hits = Object.entries(outputs).flatMap(([cmd, r]) => [
      ...search(`${cmd} stdout`, r.stdout),
      ...search(`${cmd} stderr`, r.stderr),
    ])
    expect(hits).toEqual([])
  })

  it('no export file holds a secret', () => {
    const hits = ['findings.ocsf.jsonl', 'findings.cef'].flatMap((f) =>
      search(f, readFileSync(join(rs.dir, f), 'utf8')),
    )
    expect(readFileSync(join(rs.dir, 'findings.ocsf.jsonl'), 'utf8').length).toBeGreaterThan(1000)
    expect(hits).toEqual([])
  })

  it('no table of the store holds a secret', async () => {
    const hits: string[] = []
    for (const dir of ['store', 'wrong-store']) {
      const store = await openStore({ path: join(rs.dir, dir) })
      try {
        const tables = await dumpAllTables(store.db)
        expect(Object.keys(tables)).toContain('sync_runs')
        for (const [t, text] of Object.entries(tables)) hits.push(...search(`${dir} table ${t}`, text))
      } finally {
        await store.close()
      }
    }
    expect(hits).toEqual([])
  })

  it('no ticket raised in the sandbox ServiceNow or Jira holds a secret', () => {
    const db = rs.sandbox.simulators.servicenow.db
    const incidents = db.table('incident').rows
    const iam = rs.scenario.tenant.jira.issues.filter((i) => i.key.startsWith('IAM-'))
    expect(incidents.length + iam.length).toBeGreaterThan(10)
    const hits = [
      ...search('ServiceNow incidents', JSON.stringify(incidents)),
      ...search('Jira issues', JSON.stringify(iam)),
    ]
    expect(hits).toEqual([])
  })
})

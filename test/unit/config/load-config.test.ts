import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig, loadPolicy } from '../../../src/config/load.ts'
import { ConfigError } from '../../../src/core/errors.ts'
import { redact } from '../../../src/core/redact.ts'

const dir = mkdtempSync(join(tmpdir(), 'accord-config-'))
let n = 0
function write(text: string, name = `c${++n}.yaml`): string {
  const file = join(dir, name)
  writeFileSync(file, text)
  return file
}

/** The lines a user sees for a broken file. */
function problems(load: () => unknown): string[] {
  try {
    load()
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError)
    return (e as ConfigError).issues
  }
  throw new Error('expected the file to be rejected')
}

const okta = (extra = '') => `connectors:
  - id: okta
    kind: okta
    orgUrl: https://acme.okta.com
    auth: { type: ssws, token: "\${OKTA_TOKEN}" }
${extra}`

afterEach(() => {
  delete process.env.OKTA_TOKEN
  delete process.env.SNOW_PASSWORD
})

describe('config loader: valid files', () => {
  it('accepts the example config and fills defaults', () => {
    process.env.OKTA_TOKEN = 'okta-secret-value'
    const c = loadConfig(write(okta()))
    const conn = c.value.connectors[0]!
    expect(conn.kind).toBe('okta')
    expect(conn.schedule).toBe('*/15 * * * *')
    expect(conn.rateLimit.concurrency).toBe(4)
    expect(conn.tls.insecure).toBe(false)
    expect(c.value.reconcile.lookBackDays).toBe(400)
    if (conn.kind === 'okta' && conn.auth.type === 'ssws') expect(conn.auth.token).toBe('okta-secret-value')
  })

  it('substitutes file: secrets and registers them for redaction', () => {
    const secretFile = join(dir, 'snow-pass')
    writeFileSync(secretFile, 'hunter2-snow\n')
    const c = loadConfig(
      write(`connectors:
  - id: snow
    kind: servicenow
    baseUrl: https://acme.service-now.com
    auth: { type: basic, username: svc, password: "file:${secretFile}" }
`),
    )
    const conn = c.value.connectors[0]!
    if (conn.kind === 'servicenow' && conn.auth.type === 'basic')
      expect(conn.auth.password).toBe('hunter2-snow')
    expect(redact('Authorization failed for hunter2-snow')).toBe('Authorization failed for [REDACTED]')
  })

  it('leaves ${...} in keys and non-string values alone', () => {
    process.env.OKTA_TOKEN = 'tok-123456'
    const c = loadConfig(write(okta('daemon: { shutdownTimeoutMs: 5000 }\n')))
    expect(c.value.daemon.shutdownTimeoutMs).toBe(5000)
  })
})

describe('config loader: wrong files, and what the user sees', () => {
  it('a missing required field names its path', () => {
    expect(
      problems(() =>
        loadConfig(write('connectors:\n  - { id: okta, kind: okta, auth: { type: ssws, token: x } }\n')),
      ),
    ).toEqual(['connectors[0].orgUrl: required'])
  })

  it('a wrong type names what was expected and what was found', () => {
    process.env.OKTA_TOKEN = 'tok-123456'
    expect(problems(() => loadConfig(write(okta('reconcile: { lookBackDays: "many" }\n'))))).toEqual([
      'reconcile.lookBackDays: expected number, got string "many"',
    ])
  })

  it('an unknown key is an error', () => {
    process.env.OKTA_TOKEN = 'tok-123456'
    expect(problems(() => loadConfig(write(okta('    colour: blue\n'))))).toEqual([
      'connectors[0].colour: unknown key',
    ])
    expect(problems(() => loadConfig(write('stroe: {}\n')))).toEqual(['stroe: unknown key'])
  })

  it('an unknown connector kind lists the kinds there are', () => {
    expect(problems(() => loadConfig(write('connectors:\n  - { id: sp, kind: sailpoint }\n')))).toEqual([
      'connectors[0].kind: expected one of "servicenow", "jira", "entra", "okta", got "sailpoint"',
    ])
  })

  it('a bare ${...} inside a flow map is explained', () => {
    const issues = problems(() =>
      loadConfig(
        write(
          'connectors:\n  - { id: okta, kind: okta, orgUrl: https://a.okta.com, auth: { type: ssws, token: ${OKTA_TOKEN} } }\n',
        ),
      ),
    )
    expect(issues[0]).toMatch(/^line 2, column \d+: /)
    expect(issues.at(-1)).toContain('quote values that use ${VAR}')
  })

  it('a missing environment variable names the variable and where it is used', () => {
    expect(problems(() => loadConfig(write(okta())))).toEqual([
      'connectors[0].auth.token: environment variable OKTA_TOKEN is not set',
    ])
  })

  it('an unreadable secret file names the file', () => {
    const missing = join(dir, 'nope', 'secret')
    const issues = problems(() =>
      loadConfig(
        write(
          `connectors:\n  - { id: okta, kind: okta, orgUrl: "https://a.okta.com", auth: { type: ssws, token: "file:${missing}" } }\n`,
        ),
      ),
    )
    expect(issues).toEqual([`connectors[0].auth.token: secret file ${missing} does not exist`])
  })

  it.skipIf(process.getuid?.() === 0)('a secret file without read permission says it cannot be read', () => {
    const locked = join(dir, 'locked')
    writeFileSync(locked, 'x')
    chmodSync(locked, 0o000)
    const issues = problems(() =>
      loadConfig(
        write(
          `connectors:\n  - { id: okta, kind: okta, orgUrl: "https://a.okta.com", auth: { type: ssws, token: "file:${locked}" } }\n`,
        ),
      ),
    )
    expect(issues).toEqual([`connectors[0].auth.token: secret file ${locked} cannot be read`])
  })

  it('a secret file that is a directory cannot be read', () => {
    const issues = problems(() =>
      loadConfig(
        write(
          `connectors:\n  - { id: okta, kind: okta, orgUrl: "https://a.okta.com", auth: { type: ssws, token: "file:${dir}" } }\n`,
        ),
      ),
    )
    expect(issues).toEqual([`connectors[0].auth.token: secret file ${dir} cannot be read`])
  })

  it('a bad cron expression shows the expression', () => {
    process.env.OKTA_TOKEN = 'tok-123456'
    expect(problems(() => loadConfig(write(okta('    schedule: "every 10 minutes"\n'))))).toEqual([
      'connectors[0].schedule: expected a cron expression like "*/15 * * * *", got "every 10 minutes"',
    ])
  })

  it('a bad ticket mapping names the field and the allowed values', () => {
    process.env.SNOW_PASSWORD = 'pw-123456'
    const issues = problems(() =>
      loadConfig(
        write(`connectors:
  - id: snow
    kind: servicenow
    baseUrl: https://acme.service-now.com
    auth: { type: basic, username: svc, password: "\${SNOW_PASSWORD}" }
    tickets:
      map:
        kind: { from: variables.action, values: { add: grant, remove: delete } }
        beneficiary: { from: requested_for..email }
`),
      ),
    )
    expect(issues).toEqual([
      'connectors[0].tickets.map.kind.values.remove: expected one of grant, revoke, service_account, exception, other, got "delete"',
      'connectors[0].tickets.map.beneficiary.from: not a field path (empty segment at position 14): "requested_for..email"',
      'connectors[0].tickets.map.targets: required',
    ])
  })

  it('duplicate connector ids and a route to a missing sink are caught', () => {
    process.env.OKTA_TOKEN = 'tok-123456'
    const issues = problems(() =>
      loadConfig(
        write(`${okta()}  - { id: okta, kind: okta, orgUrl: "https://b.okta.com", auth: { type: ssws, token: "\${OKTA_TOKEN}" } }
raise:
  routes: [ { to: snow } ]
`),
      ),
    )
    expect(issues).toEqual([
      'connectors[1].id: duplicate id "okta" (also connectors[0])',
      'raise.routes[0].to: no sink "snow" under raise.sinks',
    ])
  })

  it('a sink on a connector that cannot raise tickets is refused', () => {
    process.env.OKTA_TOKEN = 'tok-123456'
    expect(problems(() => loadConfig(write(okta('raise:\n  sinks: { okta: { project: X } }\n'))))).toEqual([
      'raise.sinks.okta: a okta connector cannot raise tickets',
    ])
  })

  it('an http URL that is not a URL is refused', () => {
    process.env.OKTA_TOKEN = 'tok-123456'
    const issues = problems(() =>
      loadConfig(
        write(
          'connectors:\n  - { id: okta, kind: okta, orgUrl: "acme.okta.com", auth: { type: ssws, token: "${OKTA_TOKEN}" } }\n',
        ),
      ),
    )
    expect(issues).toEqual(['connectors[0].orgUrl: expected an http(s) URL'])
  })

  it('entra needs exactly one of a secret and a certificate', () => {
    expect(
      problems(() =>
        loadConfig(write('connectors:\n  - { id: e, kind: entra, tenantId: t, clientId: c }\n')),
      ),
    ).toEqual(['connectors[0].clientSecret: expected exactly one of clientSecret or clientCertificate'])
  })

  it('a missing file and broken YAML are reported, not thrown as stack traces', () => {
    expect(problems(() => loadConfig(join(dir, 'absent.yaml')))).toEqual(['file does not exist'])
    expect(problems(() => loadConfig(write('a:\n  b: 1\n   c: 2\n')))[0]).toMatch(/^line 2, column \d+: /)
  })

  it('error text never contains a substituted secret', () => {
    process.env.OKTA_TOKEN = 'very-secret-okta-token'
    try {
      loadConfig(write(okta('    pageSize: -1\n')))
      throw new Error('expected rejection')
    } catch (e) {
      expect((e as Error).message).not.toContain('very-secret-okta-token')
      expect((e as ConfigError).issues).toEqual([
        'connectors[0].pageSize: Too small: expected number to be >0',
      ])
    }
  })

  it('lenient mode reports unresolved secrets as warnings', () => {
    const c = loadConfig(write(okta()), { secrets: 'lenient' })
    expect(c.warnings).toEqual(['connectors[0].auth.token: environment variable OKTA_TOKEN is not set'])
  })

  it('inline secrets are noticed', () => {
    const c = loadConfig(
      write(
        'connectors:\n  - { id: okta, kind: okta, orgUrl: "https://a.okta.com", auth: { type: ssws, token: "00abcdef" } }\n',
      ),
    )
    expect(c.inlineSecrets).toEqual(['connectors[0].auth.token'])
  })
})

describe('policy loader', () => {
  it('fills the DESIGN defaults', () => {
    const p = loadPolicy(write('{}\n'))
    expect(p.value.grace).toEqual({ fulfilment: 86_400_000, revocation: 14_400_000, expiry: 3_600_000 })
    expect(p.value.tolerance).toBe(300_000)
    expect(p.value.nhi.ownerRequired).toBe(true)
  })

  it('parses durations and rejects bad ones', () => {
    expect(loadPolicy(write('grace: { fulfilment: 2d, revocation: 30m }\n')).value.grace.fulfilment).toBe(
      172_800_000,
    )
    expect(problems(() => loadPolicy(write('tolerance: soon\n')))).toEqual([
      'tolerance: expected a duration like "30s", "5m", "24h" or "7d", got "soon"',
    ])
  })

  it('rejects an unknown rule id and an empty selector', () => {
    expect(problems(() => loadPolicy(write('rules: { ACC-099: { enabled: false } }\n')))[0]).toMatch(/^rules/)
    expect(problems(() => loadPolicy(write('birthright: [ {} ]\n')))).toEqual([
      'birthright[0]: expected at least one of source, type, name, id',
    ])
  })

  it('an exception needs a reason and something to match', () => {
    expect(problems(() => loadPolicy(write('exceptions: [ { reason: "lab" } ]\n')))).toEqual([
      'exceptions[0]: expected a fingerprint, or a pattern of rule, identity and/or entitlement',
    ])
  })
})

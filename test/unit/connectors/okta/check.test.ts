import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { checkOkta } from '../../../../src/connectors/okta/check.ts'
import { OktaConfig } from '../../../../src/connectors/okta/config.ts'
import { silentLogger } from '../../../../src/core/logger.ts'
import { useHttpMock } from '../../../helpers/http-mock.ts'

useHttpMock()

const ORG = 'https://acme.okta.example'
const config = OktaConfig.parse({
  id: 'okta',
  kind: 'okta',
  orgUrl: ORG,
  auth: { type: 'ssws', token: 'tok-secret-1' },
})
const ctx = { logger: silentLogger(), signal: new AbortController().signal }

function rate(remaining: number) {
  return {
    'x-rate-limit-limit': '600',
    'x-rate-limit-remaining': String(remaining),
    'x-rate-limit-reset': String(Math.floor(Date.now() / 1000) + 60),
  }
}

describe('okta check', () => {
  it('reads once per scope, names a missing permission with its fix, and reports rate-limit headroom', async () => {
    nock(ORG)
      .get('/api/v1/users')
      .query({ limit: '1' })
      .reply(200, [], rate(598))
      .get('/api/v1/groups')
      .query({ limit: '1' })
      .reply(200, [], rate(490))
      .get('/api/v1/apps')
      .query({ limit: '1' })
      .reply(200, [], rate(99))
      .get('/api/v1/iam/assignees/users')
      .query({ limit: '1' })
      .reply(
        403,
        { errorCode: 'E0000006', errorSummary: 'You do not have permission to perform the requested action' },
        rate(599),
      )
      .get('/api/v1/logs')
      .query((q) => q.limit === '1' && typeof q.since === 'string')
      .reply(200, [], rate(119))
      .get('/api/v1/api-tokens')
      .query({ limit: '1' })
      .reply(200, [], rate(20))
    const items = await checkOkta(config, ctx)
    const by = Object.fromEntries(items.map((i) => [i.name, i]))
    expect(by['okta credential']!.ok).toBe(true)
    expect(by['okta okta.users.read']!.ok).toBe(true)
    expect(by['okta okta.roles.read']).toMatchObject({ ok: false, detail: expect.stringContaining('403') })
    expect(by['okta okta.roles.read']!.fix).toMatch(/Read-only Administrator/)
    // 20 of 600 left on the tokens endpoint: under a tenth, so the headroom check warns.
    expect(by['okta rate-limit headroom']).toMatchObject({ ok: false })
    expect(by['okta rate-limit headroom']!.detail).toContain('users 598/600')
    expect(JSON.stringify(items)).not.toContain('tok-secret-1')
  })
})

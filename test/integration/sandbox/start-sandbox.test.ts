import tls from 'node:tls'
import { describe, expect, it } from 'vitest'
import { startSandbox } from '../../../src/sandbox/sandbox.ts'
import { tinySandboxTenant } from './tiny-idp-tenant.ts'

/** startSandbox in process: the four simulators, their URLs, credentials, control handles and counters. */

describe('startSandbox', () => {
  it('starts all four simulators with their URLs, CA, credentials, control handles and counters', async () => {
    const sb = await startSandbox(tinySandboxTenant(), {
      faults: '',
      rateLimits: { okta: { 'GET /api/v1/groups': { capacity: 5, windowMs: 60_000 } } },
    })
    try {
      expect(sb.urls.graph).toMatch(/^https:\/\/localhost:\d+\/v1\.0$/)
      expect(sb.urls.login).toMatch(/^https:\/\/localhost:\d+$/)
      for (const u of [sb.urls.okta, sb.urls.servicenow, sb.urls.jira])
        expect(u).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(sb.caCert).toContain('BEGIN CERTIFICATE')
      tls.setDefaultCACertificates([...tls.getCACertificates('default'), sb.caCert])
      const token = await fetch(`${sb.urls.login}/${sb.tenant.graph.tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: sb.credentials.graph.clientId,
          client_secret: sb.credentials.graph.clientSecret,
          scope: 'https://graph.microsoft.com/.default',
        }),
      })
      expect(token.status).toBe(200)
      const okta = await fetch(`${sb.urls.okta}/api/v1/groups`, {
        headers: { authorization: `SSWS ${sb.credentials.okta.sswsTokens[0]}` },
      })
      expect(okta.status).toBe(200)
      expect(okta.headers.get('x-rate-limit-limit')).toBe('5')
      const sn = await fetch(`${sb.urls.servicenow}/api/now/v2/table/sys_user?sysparm_limit=1`, {
        headers: {
          authorization: `Basic ${Buffer.from(`${sb.credentials.servicenow.users[0]!.username}:${sb.credentials.servicenow.users[0]!.password}`).toString('base64')}`,
        },
      })
      expect(sn.status).toBe(200)
      expect(sb.counters.graph.total).toBe(1)
      expect(sb.counters.okta.get('GET /api/v1/groups')).toBe(1)
      expect(sb.counters.servicenow.total).toBe(1)
      expect(Object.keys(sb.control.okta)).toEqual(
        expect.arrayContaining(['addGroupMember', 'deactivateUser', 'setFaults']),
      )
      expect(Object.keys(sb.control.graph)).toEqual(
        expect.arrayContaining(['addGroupMember', 'disableUser', 'rotateAppSecret']),
      )
    } finally {
      await sb.close()
    }
  })
})

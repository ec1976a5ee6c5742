import { createServiceDeskClient } from 'jira.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callControl } from '../../../../src/sandbox/core/index.ts'
import { type JiraSimulator, startJiraSimulator } from '../../../../src/sandbox/jira/index.ts'
import { BASIC, EMAIL, type Json, smallJira, TOKEN, USERS } from './fixture.ts'

let sim: JiraSimulator
beforeAll(async () => {
  process.env.ACCORD_NOW = '2026-11-29T10:00:00Z'
  sim = await startJiraSimulator(smallJira(8), { searchDelayMs: 0 })
})
afterAll(async () => {
  delete process.env.ACCORD_NOW
  await sim.close()
})

async function issue(key: string): Promise<Json> {
  const res = await fetch(
    `${sim.url}/rest/api/3/issue/${key}?fields=status,updated,resolutiondate,customfield_10073`,
    {
      headers: { authorization: BASIC },
    },
  )
  return res.json()
}

async function approvals(key: string) {
  const desk = createServiceDeskClient({
    host: sim.url,
    auth: { type: 'basic', email: EMAIL, apiToken: TOKEN },
    onSchemaMismatch: 'throw',
  })
  return (await desk.request.getApprovals({ issueIdOrKey: key })).values ?? []
}

describe('Jira control handle', () => {
  it('approves the pending JSM approval and moves updated', async () => {
    const before = (await issue('ACCESS-5')).fields.updated
    const result = (await sim.control.approve!({ issue: 'ACCESS-5', approver: 'carol@contoso.com' })) as Json
    expect(result.approvals).toEqual(['approved'])
    const [a] = await approvals('ACCESS-5')
    expect(a).toMatchObject({ finalDecision: 'approved', approvers: [{ approverDecision: 'approved' }] })
    expect(a!.completedDate?.jira).toBe('2026-11-29T10:00:00.000+0000')
    const after = (await issue('ACCESS-5')).fields.updated
    expect(after > before).toBe(true)
  })

  it('rejects into Declined, fulfils into Done and cancels into Canceled, each with a new updated', async () => {
    const stamps = new Set<string>()
    await sim.control.reject!({ issue: 'ACCESS-6' })
    await sim.control.fulfil!({ issue: 'ACCESS-7' })
    await sim.control.cancel!({ issue: 'ACCESS-8' })
    for (const [key, status] of [
      ['ACCESS-6', 'Declined'],
      ['ACCESS-7', 'Done'],
      ['ACCESS-8', 'Canceled'],
    ] as const) {
      const i = await issue(key)
      expect(i.fields.status.name).toBe(status)
      expect(i.fields.status.statusCategory.key).toBe('done')
      expect(i.fields.resolutiondate).toBe(i.fields.updated)
      stamps.add(i.fields.updated)
    }
    expect(stamps.size).toBe(3)
    expect((await approvals('ACCESS-6'))[0]!.finalDecision).toBe('declined')
  })

  it('creates a request with approvers and edits a field by name, through the loopback endpoint too', async () => {
    const created = (await callControl(sim.url, 'createTicket', {
      project: 'ACCESS',
      summary: 'Need VPN',
      reporter: USERS.alice!.accountId,
      fields: { customfield_10071: 'alice@contoso.com', customfield_10073: 'vpn' },
      approvers: ['carol@contoso.com'],
    })) as Json
    expect(created.key).toBe('ACCESS-9')
    expect((await approvals('ACCESS-9')).map((a) => a.finalDecision)).toEqual(['pending'])
    await callControl(sim.url, 'setField', { issue: 'ACCESS-9', field: 'Entitlements', value: 'vpn,finance' })
    expect((await issue('ACCESS-9')).fields.customfield_10073).toBe('vpn,finance')
    await expect(callControl(sim.url, 'fulfil', { issue: 'NOPE-1' })).rejects.toThrow(/no issue NOPE-1/)
  })
})

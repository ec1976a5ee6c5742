import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callControl } from '../../../../src/sandbox/core/index.ts'
import {
  type ServiceNowSimulator,
  startServiceNowSimulator,
} from '../../../../src/sandbox/servicenow/index.ts'
import { BASIC, ID, type Json, smallServiceNow } from './fixture.ts'

let sim: ServiceNowSimulator
beforeAll(async () => {
  process.env.ACCORD_NOW = '2026-11-29T10:00:00Z'
  sim = await startServiceNowSimulator(smallServiceNow())
})
afterAll(async () => {
  delete process.env.ACCORD_NOW
  await sim.close()
})

async function rows(table: string, query: string, fields: string) {
  const res = await fetch(
    `${sim.url}/api/now/v2/table/${table}?sysparm_query=${encodeURIComponent(query)}&sysparm_fields=${fields}&sysparm_exclude_reference_link=true`,
    { headers: { authorization: BASIC } },
  )
  return ((await res.json()) as Json).result as Record<string, string>[]
}

describe('ServiceNow control handle', () => {
  it('approves an item: its verdict, its pending approval rows, and a new sys_updated_on a watermark query sees', async () => {
    const [before] = await rows('sc_req_item', 'number=RITM0010003', 'sys_updated_on')
    await sim.control.approve!({ ticket: 'RITM0010003' })
    const [after] = await rows('sc_req_item', 'number=RITM0010003', 'approval,sys_updated_on')
    expect(after!.approval).toBe('approved')
    expect(after!.sys_updated_on > before!.sys_updated_on!).toBe(true)
    expect(await rows('sysapproval_approver', `sysapproval=${ID.ritm(3)}`, 'state,approver')).toEqual([
      { state: 'approved', approver: ID.carol },
    ])
    const changed = await rows('sc_req_item', `sys_updated_on>=${after!.sys_updated_on}`, 'number')
    expect(changed).toEqual([{ number: 'RITM0010003' }])
  })

  it('rejects with a named approver (adding their row), fulfils and cancels', async () => {
    await sim.control.reject!({ ticket: 'RITM0010004', approver: 'bob@contoso.com' })
    expect(await rows('sc_req_item', 'number=RITM0010004', 'approval,state,active')).toEqual([
      { approval: 'rejected', state: '4', active: 'false' },
    ])
    expect(await rows('sysapproval_approver', `sysapproval=${ID.ritm(4)}`, 'state,approver')).toEqual([
      { state: 'rejected', approver: ID.bob },
    ])
    await sim.control.fulfil!({ ticket: ID.ritm(5) })
    await sim.control.cancel!({ ticket: 'RITM0010001', state: '7' })
    expect(
      await rows('sc_req_item', 'numberINRITM0010005,RITM0010001^ORDERBYnumber', 'number,state'),
    ).toEqual([
      { number: 'RITM0010001', state: '7' },
      { number: 'RITM0010005', state: '3' },
    ])
  })

  it('creates a ticket with variables and edits a variable, through the loopback control endpoint too', async () => {
    const created = (await callControl(sim.url, 'createTicket', {
      requestedFor: 'alice',
      variables: { action: 'add', group_name: 'Finance-Admins', end_date: '2026-12-31' },
    })) as { number: string; sys_id: string }
    expect(created.number).toBe('RITM0010006')
    await callControl(sim.url, 'setVariable', { ticket: created.number, name: 'action', value: 'remove' })
    expect(
      await rows(
        'sc_req_item',
        `sys_id=${created.sys_id}`,
        'requested_for.email,variables.action,variables.group_name,variables.end_date,approval',
      ),
    ).toEqual([
      {
        'requested_for.email': 'alice@contoso.com',
        'variables.action': 'remove',
        'variables.group_name': 'Finance-Admins',
        'variables.end_date': '2026-12-31',
        approval: 'requested',
      },
    ])
    await expect(callControl(sim.url, 'approve', { ticket: 'RITM404' })).rejects.toThrow(
      /no sc_req_item record with number or sys_id RITM404/,
    )
  })

  it('edits any field and refuses one the table does not have', async () => {
    await sim.control.setField!({ ticket: 'RITM0010003', field: 'short_description', value: 'changed' })
    expect(await rows('sc_req_item', 'number=RITM0010003', 'short_description')).toEqual([
      { short_description: 'changed' },
    ])
    expect(() => sim.control.setField!({ ticket: 'RITM0010003', field: 'nope', value: '1' })).toThrow(
      /has no field nope/,
    )
  })
})

import { describe, expect, it } from 'vitest'
import { TicketMap } from '../../../../src/config/mapping.ts'
import { SnRecordRaw } from '../../../../src/connectors/servicenow/schema.ts'
import {
  deriveState,
  fieldsForPaths,
  presentItem,
  SERVICENOW_DEFAULTS,
} from '../../../../src/connectors/servicenow/transform.ts'
import { compileTicketMap } from '../../../../src/connectors/ticket-mapping/map-ticket.ts'

const sys = (c: string) => c.repeat(32)
const users = new Map([
  [sys('1'), { sysId: sys('1'), userName: 'ann', email: 'ann@contoso.com', name: 'Ann' }],
  [sys('2'), { sysId: sys('2'), userName: 'svc-backup', email: '', name: 'svc-backup' }],
])
const ctx = (variables?: Record<string, string>) => ({
  baseUrl: 'https://acme.service-now.com/',
  table: 'sc_req_item',
  user: (id: string) => users.get(id) ?? null,
  variables,
})

describe('servicenow/transform', () => {
  it('presents user references as the person (email, else login) with their dot-walks', () => {
    const raw = SnRecordRaw.parse({
      sys_id: sys('a'),
      requested_for: sys('2'),
      opened_by: { link: 'https://x', value: sys('1') },
      assignment_group: { link: 'https://x', value: sys('9') },
      'cat_item.name': 'Access Request',
      cat_item: sys('8'),
      state: '2',
    })
    const r = presentItem(raw, ctx({ action: 'add' }))
    expect(r).toMatchObject({
      requested_for: { value: 'svc-backup', sys_id: sys('2'), email: '', user_name: 'svc-backup' },
      opened_by: { value: 'ann@contoso.com', email: 'ann@contoso.com' },
      assignment_group: sys('9'),
      cat_item: { value: sys('8'), name: 'Access Request' },
      state: '2',
      variables: { action: 'add' },
      $url: `https://acme.service-now.com/nav_to.do?uri=sc_req_item.do%3Fsys_id%3D${sys('a')}`,
    })
    const map = TicketMap.parse({
      kind: { from: 'variables.action', values: { add: 'grant' } },
      beneficiary: { from: 'requested_for' },
      targets: { from: 'cat_item.name' },
    })
    const m = compileTicketMap(map, SERVICENOW_DEFAULTS).apply(r)
    expect(m.beneficiary).toBe('svc-backup')
    expect(m.requester).toBe('ann@contoso.com')
  })

  it('leaves a user the integration user cannot read unresolved, not replaced by its sys_id', () => {
    const r = presentItem(SnRecordRaw.parse({ sys_id: sys('a'), requested_for: sys('7') }), ctx())
    expect(r.requested_for).toEqual({ value: '', sys_id: sys('7') })
  })

  it('asks the Table API only for the fields the map needs, dot-walking non-user references', () => {
    const { fields, variables } = fieldsForPaths([
      ['variables', 'x'],
      ['requested_for', 'email'],
      ['cat_item', 'name'],
      ['$url'],
    ])
    expect(variables).toBe(true)
    expect(fields).toContain('cat_item.name')
    expect(fields).toContain('requested_for')
    expect(fields).not.toContain('requested_for.email')
    expect(fields).not.toContain('$url')
  })

  it('derives the lifecycle state from the mapped state and the verdict', () => {
    expect(deriveState('open', 'approved')).toBe('approved')
    expect(deriveState('cancelled', 'rejected')).toBe('rejected')
    expect(deriveState('fulfilled', 'approved')).toBe('fulfilled')
    expect(deriveState('cancelled', 'pending')).toBe('cancelled')
    expect(deriveState(null, 'pending')).toBe('open')
  })
})

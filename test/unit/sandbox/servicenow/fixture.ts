import type { ServiceNowTenant } from '../../../../src/sandbox/state.ts'

/** sys_ids: 32 hex, readable by their prefix. */
export const ID = {
  alice: 'a1000000000000000000000000000001',
  bob: 'b1000000000000000000000000000002',
  carol: 'c1000000000000000000000000000003',
  cat: 'ca000000000000000000000000000001',
  req: 'e1000000000000000000000000000001',
  ritm: (n: number) => `f${String(n).padStart(31, '0')}`,
  defAction: 'd1000000000000000000000000000001',
  defGroup: 'd1000000000000000000000000000002',
}

/** A small hand-built instance: 3 users, 5 requested items (RITM0010001..5), variables, approvals, one hidden. */
export function smallServiceNow(): ServiceNowTenant {
  const user = (sys_id: string, user_name: string, email: string, name: string) => ({
    sys_id,
    user_name,
    email,
    name,
    first_name: name.split(' ')[0]!,
    last_name: name.split(' ')[1]!,
    active: 'true',
    sys_created_on: '2026-01-01 00:00:00',
    sys_updated_on: '2026-01-01 00:00:00',
  })
  const items = [1, 2, 3, 4, 5].map((n) => ({
    sys_id: ID.ritm(n),
    number: `RITM001000${n}`,
    request: ID.req,
    cat_item: ID.cat,
    requested_for: n === 5 ? '' : n % 2 ? ID.alice : ID.bob,
    opened_by: ID.carol,
    state: n <= 2 ? '3' : '1',
    approval: n <= 2 ? 'approved' : 'requested',
    short_description: `Access request ${n}`,
    sys_created_on: `2026-11-0${n} 09:00:00`,
    sys_updated_on: `2026-11-0${n} 10:00:00`,
  }))
  const options: Record<string, string>[] = []
  const mtom: Record<string, string>[] = []
  for (const [i, item] of items.entries()) {
    for (const [def, value] of [
      [ID.defAction, i === 3 ? 'remove' : 'add'],
      [ID.defGroup, `group-${i + 1},vpn`],
    ] as const) {
      const option = `0${def.at(-1)}${String(i).padStart(30, '0')}`
      options.push({ sys_id: option, item_option_new: def, value })
      mtom.push({ sys_id: `9${option.slice(1)}`, request_item: item.sys_id, sc_item_option: option })
    }
  }
  return {
    instance: 'sandbox',
    tables: {
      sys_user: [
        user(ID.alice, 'alice', 'alice@contoso.com', 'Alice Adams'),
        user(ID.bob, 'bob', 'bob@contoso.com', 'Bob Brown'),
        user(ID.carol, 'svc_accord', 'carol@contoso.com', 'Carol Clark'),
      ],
      sc_cat_item: [{ sys_id: ID.cat, name: 'Access Request', active: 'true' }],
      sc_request: [{ sys_id: ID.req, number: 'REQ0010001', requested_for: ID.alice, approval: 'approved' }],
      sc_req_item: items,
      item_option_new: [
        { sys_id: ID.defAction, name: 'action', question_text: 'Action' },
        { sys_id: ID.defGroup, name: 'group_name', question_text: 'Groups' },
      ],
      sc_item_option: options,
      sc_item_option_mtom: mtom,
      sysapproval_approver: [
        {
          sys_id: 'ab000000000000000000000000000001',
          approver: ID.carol,
          state: 'approved',
          sysapproval: ID.ritm(1),
          source_table: 'sc_req_item',
          document_id: ID.ritm(1),
          sys_updated_on: '2026-11-01 09:30:00',
        },
        {
          sys_id: 'ab000000000000000000000000000003',
          approver: ID.carol,
          state: 'requested',
          sysapproval: ID.ritm(3),
          source_table: 'sc_req_item',
          document_id: ID.ritm(3),
          sys_updated_on: '2026-11-03 09:30:00',
        },
      ],
    },
    references: {},
    aclHidden: [ID.ritm(2)],
  }
}

export const BASIC = `Basic ${Buffer.from('svc_accord:sandbox-servicenow-password').toString('base64')}`

// biome-ignore lint/suspicious/noExplicitAny: response bodies in tests are checked by value, not by type.
export type Json = any

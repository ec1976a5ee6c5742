import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ServiceNowSimulator,
  startServiceNowSimulator,
} from '../../../../src/sandbox/servicenow/index.ts'
import { BASIC, ID, type Json, smallServiceNow } from './fixture.ts'

let sim: ServiceNowSimulator
beforeAll(async () => {
  sim = await startServiceNowSimulator(smallServiceNow())
})
afterAll(() => sim.close())

async function get(path: string, auth = BASIC) {
  const res = await fetch(`${sim.url}${path}`, {
    headers: { authorization: auth, accept: 'application/json' },
  })
  const body: Json = res.status === 204 ? null : await res.json()
  return { status: res.status, headers: res.headers, body }
}

function linkRels(header: string | null): Record<string, URL> {
  const out: Record<string, URL> = {}
  for (const m of (header ?? '').matchAll(/<([^>]+)>;rel="(\w+)"/g)) out[m[2]!] = new URL(m[1]!)
  return out
}

describe('ServiceNow Table API simulator: reads (vendor-apis.md section 1)', () => {
  it('answers every value as a string, references as {link, value}, empty references as ""', async () => {
    const { status, body } = await get(
      `/api/now/v2/table/sc_req_item?sysparm_query=numberIN${['RITM0010001', 'RITM0010005'].join(',')}&sysparm_fields=number,requested_for,state,quantity`,
    )
    expect(status).toBe(200)
    expect(body.result).toEqual([
      {
        number: 'RITM0010001',
        requested_for: { link: `${sim.url}/api/now/table/sys_user/${ID.alice}`, value: ID.alice },
        state: '3',
        quantity: '',
      },
      { number: 'RITM0010005', requested_for: '', state: '1', quantity: '' },
    ])
  })

  it('gives plain sys_ids with sysparm_exclude_reference_link=true', async () => {
    const { body } = await get(
      '/api/now/v2/table/sc_req_item?sysparm_query=number=RITM0010001&sysparm_fields=requested_for&sysparm_exclude_reference_link=true',
    )
    expect(body.result).toEqual([{ requested_for: ID.alice }])
  })

  it('renders display values (true) and both (all), with a link only on references', async () => {
    const q = 'sysparm_query=number=RITM0010001&sysparm_fields=requested_for,state,approval'
    const t = await get(`/api/now/v2/table/sc_req_item?${q}&sysparm_display_value=true`)
    expect(t.body.result).toEqual([
      {
        requested_for: {
          display_value: 'Alice Adams',
          link: `${sim.url}/api/now/table/sys_user/${ID.alice}`,
        },
        state: 'Closed Complete',
        approval: 'Approved',
      },
    ])
    const a = await get(`/api/now/v2/table/sc_req_item?${q}&sysparm_display_value=all`)
    expect(a.body.result).toEqual([
      {
        requested_for: {
          display_value: 'Alice Adams',
          link: `${sim.url}/api/now/table/sys_user/${ID.alice}`,
          value: ID.alice,
        },
        state: { display_value: 'Closed Complete', value: '3' },
        approval: { display_value: 'Approved', value: 'approved' },
      },
    ])
  })

  it('dot-walks references and catalog variables in sysparm_fields and in queries', async () => {
    const { body } = await get(
      '/api/now/v2/table/sc_req_item?sysparm_query=requested_for.email=alice@contoso.com^variables.action=add^ORDERBYnumber' +
        '&sysparm_fields=number,requested_for.email,cat_item.name,variables.action,variables.group_name',
    )
    expect(body.result).toEqual([
      {
        number: 'RITM0010001',
        'requested_for.email': 'alice@contoso.com',
        'cat_item.name': 'Access Request',
        'variables.action': 'add',
        'variables.group_name': 'group-1,vpn',
      },
      {
        number: 'RITM0010003',
        'requested_for.email': 'alice@contoso.com',
        'cat_item.name': 'Access Request',
        'variables.action': 'add',
        'variables.group_name': 'group-3,vpn',
      },
    ])
  })

  it('serves the variables as rows of sc_item_option_mtom with dot-walks into sc_item_option', async () => {
    const { body } = await get(
      `/api/now/v2/table/sc_item_option_mtom?sysparm_query=request_item=${ID.ritm(4)}^ORDERBYsc_item_option.item_option_new.name` +
        '&sysparm_fields=request_item.number,sc_item_option.item_option_new.name,sc_item_option.value',
    )
    expect(body.result).toEqual([
      {
        'request_item.number': 'RITM0010004',
        'sc_item_option.item_option_new.name': 'action',
        'sc_item_option.value': 'remove',
      },
      {
        'request_item.number': 'RITM0010004',
        'sc_item_option.item_option_new.name': 'group_name',
        'sc_item_option.value': 'group-4,vpn',
      },
    ])
  })

  it('ignores unknown query fields, widening the result (all five items are counted)', async () => {
    const { headers } = await get(
      '/api/now/v2/table/sc_req_item?sysparm_query=u_no_such_field=x&sysparm_fields=number',
    )
    expect(headers.get('x-total-count')).toBe('5')
  })

  it('pages with Link and X-Total-Count counted before ACLs: a page can be short while a next link exists', async () => {
    const base =
      '/api/now/v2/table/sc_req_item?sysparm_query=ORDERBYnumber&sysparm_fields=number&sysparm_limit=2'
    const first = await get(base)
    expect(first.headers.get('x-total-count')).toBe('5')
    // RITM0010002 is ACL-hidden: the first window (1, 2) comes back with one row.
    expect(first.body.result).toEqual([{ number: 'RITM0010001' }])
    const rels = linkRels(first.headers.get('link'))
    expect(Object.keys(rels).sort()).toEqual(['first', 'last', 'next'])
    expect(rels.next!.searchParams.get('sysparm_offset')).toBe('2')
    expect(rels.last!.searchParams.get('sysparm_offset')).toBe('4')

    const numbers: string[] = []
    let next: string | undefined = `${sim.url}${base}`
    while (next) {
      const page = await get(next.slice(sim.url.length))
      numbers.push(...page.body.result.map((r: { number: string }) => r.number))
      next = linkRels(page.headers.get('link')).next?.toString()
    }
    expect(numbers).toEqual(['RITM0010001', 'RITM0010003', 'RITM0010004', 'RITM0010005'])
  })

  it('pages by key (sys_id>last^ORDERBYsys_id) and by watermark, as the connector does', async () => {
    const seen: string[] = []
    let last = ''
    for (;;) {
      const q = encodeURIComponent(`${last ? `sys_id>${last}^` : ''}ORDERBYsys_id`)
      const page = await get(
        `/api/now/v2/table/sc_req_item?sysparm_query=${q}&sysparm_fields=sys_id,number&sysparm_limit=2`,
      )
      if (page.body.result.length === 0) break
      seen.push(...page.body.result.map((r: { number: string }) => r.number))
      last = page.body.result.at(-1).sys_id
    }
    // RITM0010002 is ACL-hidden; a keyset scan never sees it and never stalls on it.
    expect(seen).toEqual(['RITM0010001', 'RITM0010003', 'RITM0010004', 'RITM0010005'])
    const since = await get(
      `/api/now/v2/table/sc_req_item?sysparm_query=${encodeURIComponent("sys_updated_on>=javascript:gs.dateGenerate('2026-11-04','00:00:00')^ORDERBYsys_updated_on^ORDERBYsys_id")}&sysparm_fields=number`,
    )
    expect(since.body.result).toEqual([{ number: 'RITM0010004' }, { number: 'RITM0010005' }])
  })

  it('lists choice values in sys_choice, as the reference suggests for approval states', async () => {
    const { body } = await get(
      '/api/now/v2/table/sys_choice?sysparm_query=name=sysapproval_approver^element=state^ORDERBYsequence&sysparm_fields=value,label',
    )
    expect(body.result.map((c: { value: string }) => c.value)).toEqual([
      'not requested',
      'requested',
      'approved',
      'rejected',
      'cancelled',
      'not_required',
      'duplicate',
    ])
  })

  it('omits the Link header when everything fits on one page', async () => {
    const { headers } = await get('/api/now/v2/table/sys_user?sysparm_fields=user_name')
    expect(headers.get('link')).toBeNull()
    expect(headers.get('x-total-count')).toBe('3')
  })

  it('answers an empty result with 404 on v1 and 200 [] on v2', async () => {
    const q = 'sysparm_query=number=RITM9999999'
    const v1 = await get(`/api/now/table/sc_req_item?${q}`)
    expect(v1.status).toBe(404)
    expect(v1.body).toEqual({
      error: {
        message: 'No Record found',
        detail: "Record doesn't exist or ACL restricts the record retrieval",
      },
      status: 'failure',
    })
    const v2 = await get(`/api/now/v2/table/sc_req_item?${q}`)
    expect(v2.status).toBe(200)
    expect(v2.body).toEqual({ result: [] })
  })

  it('hides ACL-restricted records from single reads with the documented 404', async () => {
    expect((await get(`/api/now/v2/table/sc_req_item/${ID.ritm(2)}`)).status).toBe(404)
    const ok = await get(`/api/now/v2/table/sc_req_item/${ID.ritm(1)}?sysparm_fields=number`)
    expect(ok.body).toEqual({ result: { number: 'RITM0010001' } })
  })

  it('answers errors in the {error:{message,detail},status:"failure"} envelope', async () => {
    const table = await get('/api/now/v2/table/no_such_table')
    expect(table.status).toBe(400)
    expect(table.body).toMatchObject({ error: { message: 'Invalid table no_such_table' }, status: 'failure' })
    const unauth = await get(
      '/api/now/v2/table/sys_user',
      `Basic ${Buffer.from('svc_accord:wrong').toString('base64')}`,
    )
    expect(unauth.status).toBe(401)
    expect(unauth.body).toEqual({
      error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' },
      status: 'failure',
    })
  })

  it('honours sysparm_limit (default 10000) and sysparm_offset', async () => {
    const all = await get('/api/now/v2/table/sc_item_option?sysparm_fields=sys_id')
    expect(all.body.result).toHaveLength(10)
    const some = await get(
      '/api/now/v2/table/sc_item_option?sysparm_fields=sys_id&sysparm_limit=3&sysparm_offset=8',
    )
    expect(some.body.result).toEqual(all.body.result.slice(8))
  })
})

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SnDatabase } from '../../../../src/sandbox/servicenow/database.ts'
import { compareValues } from '../../../../src/sandbox/servicenow/query-eval.ts'
import { ID, smallServiceNow } from './fixture.ts'

const ctx = { userSysId: '', nowText: '2026-11-29 00:00:00' }
const value = fc.oneof(
  fc.constant(''),
  fc.constantFrom('2026-01-01 00:00:00', '2026-01-02 10:00:00', '2026-02-01 00:00:00'),
)

describe('SnDatabase.select', () => {
  it('answers range + ORDERBY queries (the keyset and watermark fast path) exactly as a plain filter and sort would', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ due_date: value, state: fc.constantFrom('1', '2', '3') }), { maxLength: 40 }),
        value,
        fc.constantFrom('>', '>=', '<', '<='),
        fc.boolean(),
        (rows, bound, op, withState) => {
          const table = rows.map((r, i) => ({ sys_id: `a${String(i).padStart(31, '0')}`, ...r }))
          const db = new SnDatabase({
            instance: 'x',
            tables: { sysapproval_approver: table },
            references: {},
            aclHidden: [],
          })
          const query = `${withState ? 'state!=2^' : ''}due_date${op}${bound}^ORDERBYdue_date^ORDERBYsys_id`
          const got = db.select('sysapproval_approver', query, ctx).map((r) => r.sys_id)
          const test = (v: string) => {
            if (v === '') return false
            const d = compareValues(v, bound)
            return op === '>' ? d > 0 : op === '>=' ? d >= 0 : op === '<' ? d < 0 : d <= 0
          }
          const want = table
            .filter((r) => (!withState || r.state !== '2') && test(r.due_date))
            .sort((a, b) => compareValues(a.due_date, b.due_date) || compareValues(a.sys_id, b.sys_id))
            .map((r) => r.sys_id)
          expect(got).toEqual(want)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('sees writes to the tables a dot-walk or a variable reads, and keeps its cache across unrelated writes', () => {
    const db = new SnDatabase(smallServiceNow())
    const q = 'requested_for.email=alice@contoso.com^variables.action=add^ORDERBYnumber'
    const numbers = () => db.select('sc_req_item', q, ctx).map((r) => r.number)
    expect(numbers()).toEqual(['RITM0010001', 'RITM0010003'])
    const first = db.select('sc_req_item', q, ctx)
    db.insert('incident', { short_description: 'unrelated' }, 'test')
    expect(db.select('sc_req_item', q, ctx)).toBe(first)
    db.update('sys_user', ID.bob, { email: 'alice@contoso.com' }, 'test')
    expect(numbers()).toEqual(['RITM0010001', 'RITM0010002', 'RITM0010003'])
    db.setVariable(ID.ritm(1), 'action', 'remove', 'test')
    expect(numbers()).toEqual(['RITM0010002', 'RITM0010003'])
  })

  it('sees writes in indexed and cached queries', () => {
    const db = new SnDatabase({ instance: 'x', tables: {}, references: {}, aclHidden: [] })
    const q = 'correlation_id=f-1^ORDERBYsys_created_on'
    expect(db.select('incident', q, ctx)).toEqual([])
    const row = db.insert('incident', { correlation_id: 'f-1', short_description: 'x' }, 'test')
    expect(db.select('incident', q, ctx).map((r) => r.sys_id)).toEqual([row.sys_id])
    db.update('incident', row.sys_id!, { correlation_id: 'f-2' }, 'test')
    expect(db.select('incident', q, ctx)).toEqual([])
  })
})

import { describe, expect, it } from 'vitest'
import { parseEncodedQuery } from '../../../../src/sandbox/servicenow/encoded-query.ts'
import { compileQuery, type SnRow } from '../../../../src/sandbox/servicenow/query-eval.ts'

const rows: SnRow[] = [
  { sys_id: 'a', state: '1', name: 'Access Request', n: '10', updated: '2026-01-02 00:00:00' },
  { sys_id: 'b', state: '2', name: 'Laptop', n: '9', updated: '2026-01-01 00:00:00' },
  { sys_id: 'c', state: '3', name: 'Access Removal', n: '100', updated: '2026-01-03 00:00:00' },
  { sys_id: 'd', state: '', name: 'Other', n: '', updated: '2026-01-04 00:00:00' },
]
const known = new Set(['sys_id', 'state', 'name', 'n', 'updated'])
const ctx = { userSysId: 'me', nowText: '2026-01-05 00:00:00' }

function run(query: string): string[] {
  const q = compileQuery(parseEncodedQuery(query), (f) => (known.has(f) ? (r) => r[f] ?? '' : undefined), ctx)
  const out = rows.filter(q.matches)
  if (q.compare) out.sort(q.compare)
  return out.map((r) => r.sys_id!)
}

describe('ServiceNow encoded queries', () => {
  it('reads ^ as AND, ^OR as OR binding tighter than AND, and ^NQ as OR of whole queries', () => {
    expect(parseEncodedQuery('state=1^nameSTARTSWITHAcc^ORstate=2^NQn>50')).toEqual({
      branches: [
        [
          [{ field: 'state', op: '=', value: '1' }],
          [
            { field: 'name', op: 'STARTSWITH', value: 'Acc' },
            { field: 'state', op: '=', value: '2' },
          ],
        ],
        [[{ field: 'n', op: '>', value: '50' }]],
      ],
      orderBy: [],
    })
    expect(run('nameSTARTSWITHAccess^state=3^ORstate=1')).toEqual(['a', 'c'])
    expect(run('state=2^NQn>50')).toEqual(['b', 'c'])
  })

  it('supports every listed operator, comparing numbers as numbers and datetimes as text', () => {
    expect(run('n>9')).toEqual(['a', 'c'])
    expect(run('n>=10^n<=10')).toEqual(['a'])
    expect(run('n<10')).toEqual(['b'])
    expect(run('state!=1')).toEqual(['b', 'c', 'd'])
    expect(run('stateIN1,3')).toEqual(['a', 'c'])
    expect(run('stateNOT IN1,3')).toEqual(['b', 'd'])
    expect(run('nameLIKEremov')).toEqual(['c'])
    expect(run('stateISEMPTY')).toEqual(['d'])
    expect(run("updated>=javascript:gs.dateGenerate('2026-01-03','00:00:00')")).toEqual(['c', 'd'])
  })

  it('orders by ORDERBY and ORDERBYDESC keys in their order of appearance', () => {
    expect(run('ORDERBYn')).toEqual(['d', 'b', 'a', 'c'])
    expect(run('nameSTARTSWITHAccess^ORDERBYDESCupdated')).toEqual(['c', 'a'])
    expect(run('ORDERBYDESCstate^ORDERBYsys_id')).toEqual(['c', 'b', 'a', 'd'])
  })

  it('reads ^^ as a literal caret in a value, so an escaped value cannot add a condition', () => {
    expect(parseEncodedQuery('name=a^^NQstate=1^state=2').branches).toEqual([
      [[{ field: 'name', op: '=', value: 'a^NQstate=1' }], [{ field: 'state', op: '=', value: '2' }]],
    ])
    expect(run('name=Laptop^^^ORstate=1')).toEqual(['a'])
  })

  it('ignores unknown fields and unparsable parts, widening the result as the real instance does', () => {
    expect(run('no_such_field=1')).toEqual(['a', 'b', 'c', 'd'])
    expect(run('state=1^no_such_field=x')).toEqual(['a'])
    expect(run('state=1^ORbogus=1')).toEqual(['a'])
    expect(run('garbage^state=2')).toEqual(['b'])
    expect(run('ORDERBYnope^state=3')).toEqual(['c'])
  })
})

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  andEveryBranch,
  snEquals,
  snIn,
  snValue,
  splitBranches,
} from '../../../../src/connectors/servicenow/encoded-query.ts'

/** How ServiceNow reads an encoded query: split on single `^`, `^^` being a literal caret. */
function conditions(query: string): string[] {
  const out: string[] = []
  let cur = ''
  for (let i = 0; i < query.length; i++) {
    if (query[i] === '^' && query[i + 1] === '^') {
      cur += '^'
      i++
    } else if (query[i] === '^') {
      out.push(cur)
      cur = ''
    } else cur += query[i]
  }
  out.push(cur)
  return out
}

describe('servicenow/encoded-query', () => {
  it('keeps a hostile value one condition: ^, ^OR, ^NQ and ORDERBY inside a value are data', () => {
    const hostile = 'x^NQactive=true^ORsys_id!=0^ORDERBYnumber'
    const q = `${snEquals('short_description', hostile)}^active=false`
    expect(conditions(q)).toEqual([`short_description=${hostile}`, 'active=false'])
  })

  it('escapes any value so that it parses back to itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('^', 'N', 'Q', 'O', 'R', 'a', '=', ',', ' ') }), (v) => {
        fc.pre(!/^\s*javascript\s*:/i.test(v))
        expect(conditions(`a=${snValue(v)}^b=1`)).toEqual([`a=${v}`, 'b=1'])
      }),
    )
  })

  it('refuses values it cannot make safe: scripts, line breaks, commas in IN lists', () => {
    expect(() => snValue('javascript:gs.getUserID()')).toThrow(/javascript:/)
    expect(() => snValue(' JavaScript :x')).toThrow(/javascript:/)
    expect(() => snValue('a\nb')).toThrow(/line break/)
    expect(() => snIn('sys_id', ['a,b'])).toThrow(/comma/)
    expect(() => snEquals('name^ORx', 'v')).toThrow(/not a ServiceNow field name/)
    expect(snIn('sys_id', ['a^b', 'c'])).toBe('sys_idINa^^b,c')
  })

  it('puts extra conditions on every ^NQ branch', () => {
    expect(andEveryBranch('active=true^NQpriority=1', 'sys_id>abc')).toBe(
      'active=true^sys_id>abc^NQpriority=1^sys_id>abc',
    )
    expect(andEveryBranch('', 'sys_id>abc')).toBe('sys_id>abc')
    // An escaped ^NQ in a value is not a branch.
    expect(andEveryBranch('short_description=a^^NQb', 'x=1')).toBe('short_description=a^^NQb^x=1')
    // A trailing separator or ^EQ must not swallow the added condition.
    expect(andEveryBranch('active=true^', 'x=1')).toBe('active=true^x=1')
    expect(andEveryBranch('active=true^EQ', 'x=1')).toBe('active=true^x=1')
    expect(andEveryBranch('a=b^^', 'x=1')).toBe('a=b^^^x=1')
  })

  it('refuses a filter that sorts, since paging needs its own order', () => {
    expect(() => splitBranches('active=true^ORDERBYnumber')).toThrow(/must not sort/)
    expect(splitBranches('short_description=x^^ORDERBYy')).toEqual(['short_description=x^^ORDERBYy'])
  })
})

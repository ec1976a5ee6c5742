import { describe, expect, it } from 'vitest'
import type { ReplyError } from '../../../../src/sandbox/core/index.ts'
import { compileFilter, parseTop, project } from '../../../../src/sandbox/graph/odata.ts'

const known = new Set(['id', 'displayName', 'userType', 'createdDateTime', 'accountEnabled', 'groupTypes'])
const f = (src: string, advanced = false) => compileFilter(src, { type: 'user', known, advanced })
const errorOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (e) {
    const body = (e as ReplyError).reply.body as { error: { code: string; message: string } }
    return `${(e as ReplyError).reply.status} ${body.error.code}: ${body.error.message}`
  }
  return null
}

describe('src/sandbox/graph/odata', () => {
  it('compiles the filter forms connectors use', () => {
    expect(f("userType eq 'Guest'")({ userType: 'guest' })).toBe(true)
    expect(f("startswith(displayName,'ad')")({ displayName: 'Ada' })).toBe(true)
    expect(f("id in ('a','b')")({ id: 'b' })).toBe(true)
    expect(
      f("accountEnabled eq false and (userType eq 'Member' or userType eq 'Guest')")({
        accountEnabled: false,
        userType: 'Guest',
      }),
    ).toBe(true)
    expect(f("groupTypes/any(c:c eq 'Unified')")({ groupTypes: ['Unified'] })).toBe(true)
    expect(f("displayName eq 'O''Brien'")({ displayName: "O'Brien" })).toBe(true)
  })

  it('compares DateTimeOffset values as instants', () => {
    const p = f('createdDateTime ge 2025-01-01T00:00:00Z')
    expect(p({ createdDateTime: '2025-01-01T00:00:00.000Z' })).toBe(true)
    expect(p({ createdDateTime: '2024-12-31T23:59:59.999Z' })).toBe(false)
  })

  it('refuses advanced operators without ConsistencyLevel, unknown properties and bad syntax', () => {
    expect(errorOf(() => f("userType ne 'Guest'"))).toMatch(/^400 Request_UnsupportedQuery/)
    expect(errorOf(() => f("userType ne 'Guest'", true))).toBeNull()
    expect(errorOf(() => f("shoeSize eq '42'"))).toBe(
      "400 BadRequest: Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.",
    )
    expect(errorOf(() => f("displayName eq 'open"))).toMatch(/unterminated string/)
    expect(errorOf(() => parseTop('0', 100))).toMatch(/between 1 and 999/)
  })

  it('projects to $select or the default set, always keeping id', () => {
    expect(project({ id: '1', a: 1, b: 2 }, ['b'], null)).toEqual({ id: '1', b: 2 })
    expect(project({ id: '1', a: 1, b: 2 }, null, ['a', 'c'])).toEqual({ id: '1', a: 1, c: null })
  })
})

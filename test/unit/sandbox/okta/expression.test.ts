import { describe, expect, it } from 'vitest'
import type { ReplyError } from '../../../../src/sandbox/core/index.ts'
import {
  compileExpression,
  logFilterRules,
  userFilterRules,
  userSearchRules,
} from '../../../../src/sandbox/okta/expression.ts'

describe('src/sandbox/okta/expression', () => {
  it('compares timestamps as instants whatever their fraction digits', () => {
    const later = compileExpression('lastUpdated gt "2025-02-01T00:00:00Z"', userFilterRules)
    expect(later({ lastUpdated: '2025-02-01T00:00:00.500Z' })).toBe(true)
    expect(later({ lastUpdated: '2025-02-01T00:00:00.000Z' })).toBe(false)
    const ge = compileExpression('lastUpdated ge "2025-02-01T00:00:00.000Z"', userFilterRules)
    expect(ge({ lastUpdated: '2025-02-01T00:00:00Z' })).toBe(true)
  })

  it('matches eq, sw and co case-insensitively, with and/or and parentheses', () => {
    const p = compileExpression(
      '(profile.login sw "ADA" or profile.email co "lovelace") and status eq "active"',
      userSearchRules,
    )
    expect(p({ status: 'ACTIVE', profile: { login: 'ada@x.example', email: 'a@x' } })).toBe(true)
    expect(p({ status: 'ACTIVE', profile: { login: 'b@x', email: 'ada.lovelace@x' } })).toBe(true)
    expect(p({ status: 'SUSPENDED', profile: { login: 'ada@x', email: '' } })).toBe(false)
  })

  it('matches through arrays (a log event target)', () => {
    const p = compileExpression('target.id eq "00g1"', logFilterRules)
    expect(p({ target: [{ id: '00u1' }, { id: '00g1' }] })).toBe(true)
    expect(p({ target: [{ id: '00u1' }] })).toBe(false)
  })

  it('refuses what Okta refuses, with E0000031 for search and E0000053 for filter', () => {
    const code = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        return ((e as ReplyError).reply.body as { errorCode: string }).errorCode
      }
      return null
    }
    expect(code(() => compileExpression('status ne "ACTIVE"', userSearchRules))).toBe('E0000031')
    expect(code(() => compileExpression('profile.department co "x"', userSearchRules))).toBe('E0000031')
    expect(code(() => compileExpression('created gt "2020-01-01T00:00:00Z"', userFilterRules))).toBe(
      'E0000053',
    )
    expect(code(() => compileExpression('status eq ACTIVE', userFilterRules))).toBe('E0000053')
    expect(code(() => compileExpression('published gt "2020-01-01T00:00:00Z"', logFilterRules))).toBe(
      'E0000053',
    )
  })
})

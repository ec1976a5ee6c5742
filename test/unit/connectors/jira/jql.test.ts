import { describe, expect, it } from 'vitest'
import { buildSearchJql, jqlDateTime, jqlString } from '../../../../src/connectors/jira/jql.ts'

describe('jira/jql', () => {
  it('quotes and escapes hostile values', () => {
    expect(jqlString('plain')).toBe('"plain"')
    expect(jqlString('a" OR project = SECRET OR summary ~ "x')).toBe(
      '"a\\" OR project = SECRET OR summary ~ \\"x"',
    )
    expect(jqlString('back\\slash\\')).toBe('"back\\\\slash\\\\"')
    expect(jqlString('AND')).toBe('"AND"')
    expect(jqlString('empty')).toBe('"empty"')
    expect(() => jqlString('line\nbreak')).toThrow(/control characters/)
  })

  it('never lets an escaped value end its literal early', () => {
    for (const v of ['"', '\\"', '\\', '\\\\"', 'x\\" OR 1=1 OR "']) {
      const lit = jqlString(v)
      // Read the literal back the way JQL does: an unescaped quote ends it.
      let i = 1
      let out = ''
      while (lit[i] !== '"') {
        if (lit[i] === '\\') i++
        out += lit[i]
        i++
      }
      expect(i).toBe(lit.length - 1)
      expect(out).toBe(v)
    }
  })

  it('parenthesises the configured JQL and orders for paging', () => {
    expect(
      buildSearchJql('project = ACCESS OR project = IAM', [
        `updated >= ${jqlDateTime(new Date('2026-01-02T03:04:59Z'))}`,
      ]),
    ).toBe(
      '(project = ACCESS OR project = IAM) AND updated >= "2026/01/02 03:04" ORDER BY updated ASC, key ASC',
    )
  })

  it('refuses a JQL with its own ORDER BY, but not the words inside a string', () => {
    expect(() => buildSearchJql('project = A order by created', [])).toThrow(/must not contain ORDER BY/)
    expect(buildSearchJql('summary ~ "order by"', [])).toBe(
      '(summary ~ "order by") ORDER BY updated ASC, key ASC',
    )
  })
})

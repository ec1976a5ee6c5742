import { describe, expect, it } from 'vitest'
import { JqlError, parseJql } from '../../../../src/sandbox/jira/jql.ts'
import { compileJql, type IssueView } from '../../../../src/sandbox/jira/jql-eval.ts'
import { smallJira } from './fixture.ts'

const tenant = smallJira(12)
const NOW = Date.parse('2026-11-13T00:00:00Z')

function keys(jql: string, nowMs = NOW): string[] {
  const q = compileJql(parseJql(jql), { fields: tenant.fields, nowMs })
  return (tenant.issues as IssueView[])
    .filter(q.matches)
    .sort(q.compare)
    .map((i) => i.key)
}
const n = (...ids: number[]) => ids.map((i) => `ACCESS-${i}`)

describe('JQL subset', () => {
  it('parses AND/OR/NOT with parentheses, OR binding looser than AND', () => {
    expect(
      parseJql('project = ACCESS AND (status = Done OR labels = vpn) AND NOT key = ACCESS-3').where,
    ).toEqual({
      kind: 'and',
      items: [
        { kind: 'clause', field: 'project', op: '=', value: { kind: 'literal', text: 'ACCESS' } },
        {
          kind: 'or',
          items: [
            { kind: 'clause', field: 'status', op: '=', value: { kind: 'literal', text: 'Done' } },
            { kind: 'clause', field: 'labels', op: '=', value: { kind: 'literal', text: 'vpn' } },
          ],
        },
        {
          kind: 'not',
          item: { kind: 'clause', field: 'key', op: '=', value: { kind: 'literal', text: 'ACCESS-3' } },
        },
      ],
    })
    expect(
      keys('project = ACCESS AND (status = Done OR labels = vpn) AND NOT key = ACCESS-3 ORDER BY key'),
    ).toEqual(n(1, 2, 4, 6, 9, 12))
    expect(keys('status = Done and key = ACCESS-1 or key = ACCESS-12 order by key')).toEqual(n(1, 12))
  })

  it('reads quoted strings with backslash escapes and quoted field names', () => {
    expect(parseJql('summary ~ "say \\"hi\\" \\\\ there"').where).toMatchObject({
      value: { text: 'say "hi" \\ there' },
    })
    expect(keys('"Beneficiary email" ~ "alice" ORDER BY key').length).toBe(6)
  })

  it('matches project, issuetype, status, statusCategory, labels and key, case-insensitively for names', () => {
    expect(keys('project = access AND issuetype = "access request" AND status = done ORDER BY key')).toEqual(
      n(1, 2, 3, 4),
    )
    expect(keys('statusCategory = Done ORDER BY key')).toEqual(n(1, 2, 3, 4))
    expect(keys('statusCategory != done ORDER BY key ASC')).toEqual(n(5, 6, 7, 8, 9, 10, 11, 12))
    expect(keys('labels IN (urgent) ORDER BY key')).toEqual(n(3, 6, 9, 12))
    expect(keys('key IN (ACCESS-2, "ACCESS-5") ORDER BY key DESC')).toEqual(n(5, 2))
    expect(keys('key > ACCESS-10 ORDER BY key')).toEqual(n(11, 12))
  })

  it('leaves empty fields out of != and NOT IN, as Jira does', () => {
    expect(keys('labels != vpn ORDER BY key')).toEqual([])
    expect(keys('labels IS EMPTY ORDER BY key')).toEqual(n(1, 2, 4, 5, 7, 8, 10, 11))
    expect(keys('cf[10074] IS NOT EMPTY')).toEqual(n(5))
  })

  it('finds custom fields by cf[id], by customfield_id and by display name; options by value', () => {
    expect(keys('cf[10072] = Remove AND key <= ACCESS-4 ORDER BY key')).toEqual(n(2, 4))
    expect(keys('customfield_10072 = "Add" AND key <= ACCESS-4 ORDER BY key')).toEqual(n(1, 3))
    expect(keys('Action IN (Remove) AND key <= ACCESS-4 ORDER BY key')).toEqual(n(2, 4))
    expect(keys('Entitlements ~ "group-1" ORDER BY key')).toEqual(n(1, 10, 11, 12))
    expect(keys('"End date" >= 2026-12-01')).toEqual(n(5))
  })

  it('compares updated in the accepted date formats and periods, in UTC', () => {
    // ACCESS-n was updated 2026-11-nn 12:00 UTC.
    expect(keys('updated >= "2026/11/11 12:00" ORDER BY updated ASC')).toEqual(n(11, 12))
    expect(keys('updated > "2026-11-11 12:00" ORDER BY updated')).toEqual(n(12))
    expect(keys('updated < "2026/11/02" ORDER BY updated')).toEqual(n(1))
    expect(keys('updated >= 2026-11-12 ORDER BY updated')).toEqual(n(12))
    expect(keys('updated >= -1d ORDER BY updated')).toEqual(n(12)) // now is 11-13 00:00
    expect(keys('updated >= "-1d 13h" ORDER BY updated')).toEqual(n(11, 12))
    expect(() => keys('updated >= "29/11/2026"')).toThrow(
      /Date value '29\/11\/2026' for field 'updated' is invalid/,
    )
  })

  it('searches issue properties', () => {
    expect(keys('issue.property[accord].fingerprint = "f-2"')).toEqual(n(2))
  })

  it('orders by up to 7 fields and refuses an eighth', () => {
    expect(keys('project = ACCESS ORDER BY cf[10072] DESC, key ASC').slice(0, 3)).toEqual(n(2, 4, 6))
    expect(() => parseJql(`project = ACCESS ORDER BY ${Array(8).fill('key').join(', ')}`)).toThrow(
      /at most 7 fields/,
    )
  })

  it('refuses unknown fields, unsupported operators and bad syntax with Jira messages', () => {
    expect(() => keys('nosuchfield = 1')).toThrow(
      "Field 'nosuchfield' does not exist or you do not have permission to view it.",
    )
    expect(() => keys('cf[99999] = 1')).toThrow(/Field 'cf\[99999\]' does not exist/)
    expect(() => keys('status ~ Done')).toThrow("The operator '~' is not supported by the 'status' field.")
    expect(() => keys('summary = "Access request 1"')).toThrow(
      "The operator '=' is not supported by the 'summary' field.",
    )
    expect(() => keys('status > Done')).toThrow(/operator '>' is not supported/)
    expect(() => parseJql('project = ACCESS AND')).toThrow(JqlError)
    expect(() => parseJql('project = "ACCESS')).toThrow(/quoted string has not been completed/)
    expect(() => parseJql('project ACCESS')).toThrow(/Expecting operator but got 'ACCESS'/)
  })
})

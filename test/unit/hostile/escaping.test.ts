import fc from 'fast-check'
import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { createHttpClient } from '../../../src/connectors/http/client.ts'
import { adfFromSections, adfText } from '../../../src/connectors/jira/adf.ts'
import { buildSearchJql, jqlString } from '../../../src/connectors/jira/jql.ts'
import { snEquals, snIn, snValue } from '../../../src/connectors/servicenow/encoded-query.ts'
import { UserCache } from '../../../src/connectors/servicenow/lookups.ts'
import { neutraliseJournal } from '../../../src/connectors/servicenow/sink.ts'
import { formatSyslog, frame } from '../../../src/delivery/export/syslog-format.ts'
import { adfProblem } from '../../../src/sandbox/jira/adf.ts'
import { parseJql } from '../../../src/sandbox/jira/jql.ts'
import { parseEncodedQuery } from '../../../src/sandbox/servicenow/encoded-query.ts'
import { useHttpMock } from '../../helpers/http-mock.ts'

/**
 * Hostile text in every query language and markup accord writes (issue 11). Each property builds the output
 * with attacker-chosen text, then reads it back with an independent parser (the sandbox's JQL and encoded
 * query parsers, a syslog octet-counting reader, the ADF validator): the text stays one value, or is refused
 * with a message naming it. CEF is covered by test/unit/delivery/cef.test.ts the same way.
 */

/** Strings biased towards the characters each syntax gives meaning to, plus any unicode at all. */
const hostile = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      '"',
      "'",
      '\\',
      '^',
      'NQ',
      'OR',
      ' AND ',
      ' OR ',
      ' ORDER BY ',
      '(',
      ')',
      ',',
      '=',
      '!',
      '~',
      '[code]',
      '[/code]',
      '<script>',
      '|',
      ' ',
      'javascript:',
      'empty',
      '\u202e',
      '\ud83d\ude00',
    ),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 40,
})

// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are the point
const CONTROL = /[\u0000-\u001f\u007f]/

describe('JQL: a value is one string literal, whatever it holds', () => {
  it('jqlString parses back to exactly the value, as one clause', () => {
    fc.assert(
      fc.property(hostile, (v) => {
        fc.pre(!CONTROL.test(v))
        const q = parseJql(`issue.property[accord.finding].fingerprint = ${jqlString(v)}`)
        expect(q.where).toEqual({
          kind: 'clause',
          field: 'issue.property[accord.finding].fingerprint',
          op: '=',
          value: { kind: 'literal', text: v },
        })
        expect(q.orderBy).toEqual([])
      }),
      { numRuns: 500 },
    )
  })

  it('refuses control characters, which JQL cannot escape, naming the value', () => {
    fc.assert(
      fc.property(hostile, fc.constantFrom('\n', '\r', '\u0000', '\t', '\u001b'), hostile, (a, c, b) => {
        expect(() => jqlString(a + c + b)).toThrow(/JQL value cannot hold control characters/)
      }),
    )
  })

  it("the user's JQL cannot swallow accord's conditions: they stay ANDed at the top", () => {
    fc.assert(
      fc.property(hostile, (v) => {
        fc.pre(!CONTROL.test(v))
        const jql = buildSearchJql('project = ACCESS OR project = HR', [`summary ~ ${jqlString(v)}`])
        const q = parseJql(jql)
        expect(q.where?.kind).toBe('and')
        const items = (q.where as { items: unknown[] }).items
        expect(items).toHaveLength(2)
        expect(items[1]).toEqual({
          kind: 'clause',
          field: 'summary',
          op: '~',
          value: { kind: 'literal', text: v },
        })
        expect(q.orderBy.map((o) => o.field)).toEqual(['updated', 'key'])
      }),
      { numRuns: 300 },
    )
  })
})

describe('ServiceNow encoded queries: a value cannot add a condition', () => {
  it('snEquals with any unicode value parses back to one condition holding the value, or is refused', () => {
    fc.assert(
      fc.property(hostile, (v) => {
        let q: string
        try {
          q = snEquals('correlation_id', v)
        } catch (e) {
          // Refused only for what has no documented escape: line breaks and NUL, or a script prefix.
          expect(/[\r\n\0]/.test(v) || /^\s*javascript\s*:/i.test(v)).toBe(true)
          expect((e as Error).message).toMatch(/cannot (hold a line break|start with "javascript:")/)
          return
        }
        const parsed = parseEncodedQuery(q)
        expect(parsed.branches).toHaveLength(1)
        expect(parsed.branches[0]).toHaveLength(1)
        expect(parsed.branches[0]![0]).toHaveLength(1)
        expect(parsed.branches[0]![0]![0]).toMatchObject({ field: 'correlation_id', op: '=', value: v })
        expect(parsed.orderBy).toEqual([])
      }),
      { numRuns: 500 },
    )
  })

  it('an IN list keeps each value apart and refuses a comma inside one', () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 5 }), (vs) => {
        const safe = vs.every((v) => !/[\r\n\0,]/.test(v) && !/^\s*javascript\s*:/i.test(v))
        if (!safe) {
          expect(() => snIn('sys_id', vs)).toThrow(/comma|line break|javascript/)
          return
        }
        const parsed = parseEncodedQuery(snIn('sys_id', vs))
        expect(parsed.branches).toHaveLength(1)
        expect(parsed.branches[0]![0]).toHaveLength(1)
        expect(parsed.branches[0]![0]![0]).toMatchObject({ field: 'sys_id', op: 'IN' })
      }),
      { numRuns: 300 },
    )
  })

  it('escapes the caret so "^NQ" and "^OR" in data stay data', () => {
    expect(snValue('x^NQactive=true^ORDERBYsys_id')).toBe('x^^NQactive=true^^ORDERBYsys_id')
  })
})

describe('ServiceNow journal fields: no [code] block survives into a raised ticket', () => {
  it('neutraliseJournal leaves no [code] or [/code] tag in any case, however it is nested', () => {
    const brackety = fc.string({
      unit: fc.constantFrom('[', ']', '/', 'c', 'o', 'd', 'e', 'C', 'O', 'D', 'E', '<', '>', ' '),
      maxLength: 60,
    })
    fc.assert(
      fc.property(brackety, (s) => {
        expect(neutraliseJournal(s)).not.toMatch(/\[\/?code\]/i)
      }),
      { numRuns: 2000 },
    )
    expect(neutraliseJournal('[co[code]de]<img src=x onerror=alert(1)>[/co[/code]de]')).not.toMatch(
      /\[\/?code\]/i,
    )
  })
})

describe('Jira ADF: text is text', () => {
  it('any heading and line becomes a text node holding it verbatim, in a valid document, with no marks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ heading: hostile.filter((h) => h.length > 0), lines: fc.array(hostile) }), {
          maxLength: 4,
        }),
        (sections) => {
          const doc = adfFromSections(sections)
          expect(adfProblem(doc)).toBeUndefined()
          const texts: string[] = []
          const walk = (n: { type: string; text?: string; content?: unknown[]; marks?: unknown }) => {
            expect(['doc', 'heading', 'bulletList', 'listItem', 'paragraph', 'text']).toContain(n.type)
            expect(n.marks).toBeUndefined()
            if (n.type === 'text') texts.push(n.text!)
            for (const c of (n.content ?? []) as (typeof n)[]) walk(c)
          }
          walk(doc)
          const expected = sections.flatMap((s) => [s.heading, ...s.lines.filter((l) => l.trim() !== '')])
          expect(texts).toEqual(expected)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('adfText keeps every non-empty line as its own paragraph', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const doc = adfText(s)
        expect(adfProblem(doc)).toBeUndefined()
        const texts = doc.content.map((p) => p.content?.[0]?.text ?? '')
        expect(texts).toEqual(s.split('\n').filter(Boolean))
      }),
    )
  })
})

describe('syslog framing: one message stays one message', () => {
  /** An RFC 6587 octet-counting reader: what a collector does with the stream. */
  function readFrames(stream: Buffer): string[] {
    const out: string[] = []
    let i = 0
    while (i < stream.length) {
      const sp = stream.indexOf(0x20, i)
      const len = Number(stream.subarray(i, sp).toString('ascii'))
      expect(Number.isInteger(len)).toBe(true)
      out.push(stream.subarray(sp + 1, sp + 1 + len).toString('utf8'))
      i = sp + 1 + len
    }
    return out
  }
  const header = {
    protocol: 'rfc5424' as const,
    facility: 10,
    severity: 4,
    time: new Date('2026-11-29T10:00:00Z'),
    host: 'accord',
    app: 'accord',
  }

  it('RFC 5424 octet counting frames any payload (line breaks, digits and spaces, any unicode) exactly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(hostile, fc.constantFrom('\n', '12 <13>1 forged', '\r\n')), { maxLength: 5 }),
        (payloads) => {
          const messages = payloads.map((p) => formatSyslog(header, p))
          const stream = Buffer.from(messages.map((m) => frame('rfc5424', m)).join(''), 'utf8')
          expect(readFrames(stream)).toEqual(messages)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('RFC 3164 newline framing: a payload cannot start a second, forged line', () => {
    fc.assert(
      fc.property(hostile, fc.constantFrom('\n<13>Nov 29 10:00:00 forged x: y', '\r\nz'), (a, b) => {
        const framed = frame('rfc3164', formatSyslog({ ...header, protocol: 'rfc3164' }, a + b))
        expect(framed.indexOf('\n')).toBe(framed.length - 1)
        expect(framed).not.toMatch(/\r/)
      }),
    )
  })
})

describe('ServiceNow reference lookups: only sys_ids reach a query', () => {
  useHttpMock()

  it('a reference value crafted as a query (^NQ, ^OR, javascript:) is never put into the IN list', async () => {
    const good = 'a'.repeat(32)
    const queries: string[] = []
    nock('https://acme.service-now.com')
      .get('/api/now/v2/table/sys_user')
      .query((q) => {
        queries.push(String(q.sysparm_query))
        return true
      })
      .reply(200, { result: [{ sys_id: good, user_name: 'ann', email: 'ann@contoso.com', name: 'Ann' }] })
    const cache = new UserCache()
    const http = createHttpClient({ name: 'sn', baseUrl: 'https://acme.service-now.com' })
    await cache.load(
      http,
      [good, 'x^NQactive=true', `${good}^ORuser_name=admin`, 'javascript:gs.getUser()', `${good},${good}`],
      { signal: new AbortController().signal },
    )
    expect(queries).toEqual([`sys_idIN${good}^ORDERBYsys_id`])
    expect(cache.get(good)).toMatchObject({ email: 'ann@contoso.com' })
    expect(cache.get('x^NQactive=true')).toBeUndefined()
  })
})

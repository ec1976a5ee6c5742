import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toCef } from '../../../src/delivery/export/cef.ts'
import { escapeExtension, escapeHeader, truncate } from '../../../src/delivery/export/cef-escape.ts'
import { toOcsf } from '../../../src/delivery/export/ocsf.ts'
import { formatSyslog, frame, syslogHostname } from '../../../src/delivery/export/syslog-format.ts'
import { decodeCef, decodeExtension, decodeHeaderField } from './cef-decoder.ts'
import { allRecords, record } from './records.ts'

const HOSTILE = 'a|b\\c=d\ne\rf \\= \\| ==|| \\\\n key=value cs1=x \r\n end\\'

/** Strings rich in the characters CEF cares about, plus anything else unicode offers. */
const hostile = fc.string({
  unit: fc.oneof(
    fc.constantFrom('|', '\\', '=', '\n', '\r', ' ', 'a', 'k', '1', '\\n', 'cs1='),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 60,
})

describe('src/delivery/export/cef-escape', () => {
  it('round-trips any extension value through the strict decoder', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        expect(decodeExtension(`msg=${escapeExtension(s)}`).get('msg')).toBe(s)
      }),
      { numRuns: 500 },
    )
  })

  it('keeps a value inside its key whatever it contains, beside other keys', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('msg', 'cs1', 'duser', 'dpriv', 'reason'), hostile), {
          maxLength: 5,
        }),
        (pairs) => {
          const unique = new Map(pairs)
          const line = [...unique].map(([k, v]) => `${k}=${escapeExtension(v)}`).join(' ')
          expect(decodeExtension(line)).toEqual(unique)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('escapes header fields so no value can add or remove a field, and strips line breaks', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const escaped = escapeHeader(s)
        expect(escaped).not.toMatch(/[\r\n]/)
        expect(decodeHeaderField(escaped)).toBe(s.replace(/\r\n|[\r\n]/g, ' '))
      }),
      { numRuns: 500 },
    )
  })

  it('truncates to a length limit without splitting a character', () => {
    expect(truncate('abcdef', 4)).toBe('abc…')
    expect(truncate('ab', 4)).toBe('ab')
    expect(Array.from(truncate('😀'.repeat(70), 63))).toHaveLength(63)
  })
})

describe('src/delivery/export/cef', () => {
  it('maps the OCSF event to the header and extension of siem-formats.md', () => {
    const r = record('opened', { raisedTicket: { sink: 'snow', key: 'INC0010042', url: null } })
    const line = toCef(toOcsf(r))
    const d = decodeCef(line)
    expect(d).toMatchObject({
      version: '0',
      vendor: 'accord',
      product: 'accord',
      classId: 'revoke_not_applied',
      name: r.finding.title,
      severity: '8',
    })
    expect(Object.fromEntries(d.extension)).toMatchObject({
      rt: String(Date.parse('2026-11-29T12:00:00Z')),
      start: String(Date.parse('2026-11-29T10:00:00Z')),
      act: 'Create',
      outcome: 'Fail',
      cat: 'AccessGovernance/Drift/revoke_not_applied',
      duser: 'frank.li@contoso.com',
      dpriv: 'Contractors-VPN',
      cs1Label: 'findingUid',
      cs1: 'fp-3a9c1d',
      cs2: '7d1c-aa',
      cs3: 'AC-2(3)',
      cs4: 'INC0010042',
      cs5: 'New',
      cs6: 'entra',
    })
    expect(d.extension.has('externalId')).toBe(false)
    expect(decodeCef(toCef(toOcsf(record('resolved')))).extension.get('outcome')).toBe('Pass')
    expect(decodeCef(toCef(toOcsf(record('opened', {}, { severity: 'critical' })))).severity).toBe('10')
  })

  it('survives hostile text in every field it carries', () => {
    const r = record('opened', {
      title: HOSTILE,
      identity: { key: HOSTILE, kind: 'person' },
      entitlement: { source: 'okta', type: 'group', externalId: HOSTILE, name: HOSTILE },
    })
    const line = toCef(toOcsf(r))
    expect(line).not.toMatch(/[\r\n]/)
    const d = decodeCef(line)
    expect(d.name).toBe(HOSTILE.replace(/\r\n|[\r\n]/g, ' '))
    expect(d.extension.get('msg')).toBe(HOSTILE)
    expect(d.extension.get('duser')).toBe(HOSTILE)
    expect(d.extension.get('dpriv')).toBe(HOSTILE)
    expect(d.extension.get('cs2')).toBe(HOSTILE)
    expect(d.extension.get('cs1')).toBe('fp-3a9c1d')
  })

  it('decodes every event of every rule and lifecycle step', () => {
    for (const r of allRecords()) {
      const d = decodeCef(toCef(toOcsf(r)))
      expect(d.extension.get('cs1')).toBe(r.finding.id)
      expect(d.extension.get('msg')).toBe(r.finding.title)
    }
  })

  it('property: arbitrary titles, identities and entitlements round-trip', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, (title, who, what) => {
        fc.pre(who.length > 0 && what.length > 0)
        const d = decodeCef(
          toCef(
            toOcsf(
              record('updated', {
                title,
                identity: { key: who, kind: 'person' },
                entitlement: { source: 'entra', type: 'group', externalId: 'g1', name: what },
              }),
            ),
          ),
        )
        expect(d.extension.get('duser')).toBe(who)
        expect(d.extension.get('dpriv')).toBe(what)
        if (title) expect(d.extension.get('msg')).toBe(title)
      }),
      { numRuns: 300 },
    )
  })
})

describe('src/delivery/export/syslog-format', () => {
  const t = new Date('2026-01-01T09:00:00.000Z')
  it('writes RFC 5424 with octet counting in bytes', () => {
    const msg = formatSyslog(
      { protocol: 'rfc5424', facility: 20, severity: 4, time: t, host: 'sync01', app: 'accord' },
      'CEF:0|é',
    )
    expect(msg).toBe('<164>1 2026-01-01T09:00:00.000Z sync01 accord - - - CEF:0|é')
    expect(frame('rfc5424', msg)).toBe(`${Buffer.byteLength(msg)} ${msg}`)
    expect(Buffer.byteLength(msg)).toBe(msg.length + 1)
  })
  it('writes RFC 3164 LF-terminated', () => {
    const msg = formatSyslog(
      { protocol: 'rfc3164', facility: 20, severity: 2, time: t, host: 'sync01', app: 'accord' },
      'CEF:0|x',
    )
    expect(msg).toBe('<162>Jan  1 09:00:00 sync01 accord: CEF:0|x')
    expect(frame('rfc3164', msg)).toBe(`${msg}\n`)
  })
  it('cleans the hostname', () => {
    expect(syslogHostname('my host\n')).toBe('myhost')
    expect(syslogHostname('')).toBe('-')
  })
})

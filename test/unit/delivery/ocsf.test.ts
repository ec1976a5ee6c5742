import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { emissionUid, toOcsf } from '../../../src/delivery/export/ocsf.ts'
import { OCSF_DIR, ocsfErrors } from './ocsf-validator.ts'
import { allRecords, record } from './records.ts'

describe('test/unit/delivery/ocsf-validator', () => {
  it('accepts the reference examples and catches what a bad event gets wrong', () => {
    const examples = JSON.parse(readFileSync(join(OCSF_DIR, 'examples.json'), 'utf8')) as Record<
      string,
      unknown
    >[]
    for (const ex of examples) expect(ocsfErrors(ex)).toEqual([])
    const bad = structuredClone(examples[0]!) as Record<string, unknown> & {
      metadata: Record<string, unknown>
    }
    bad.type_uid = 200302
    bad.severity = 'Critical'
    bad.time = 1767258000
    bad.tickets = [{ uid: 'INC1', type_id: 2, type: 'External' }]
    ;(bad.compliance as Record<string, unknown>).status = 'Passed'
    bad.unknown_attribute = true
    const errors = ocsfErrors(bad).join('\n')
    expect(errors).toMatch(/type_uid: 200302 is not/)
    expect(errors).toMatch(/severity: "Critical" is not the caption of severity_id=4/)
    expect(errors).toMatch(/time: 1767258000 is not epoch milliseconds/)
    expect(errors).toMatch(/tickets: needs metadata.profiles/)
    expect(errors).toMatch(/compliance.status: "Passed"/)
    expect(errors).toMatch(/additional/)
  })
})

describe('src/delivery/export/ocsf', () => {
  it('every event validates against OCSF 1.8.0 (schema, captions, type_uid, profiles, ms times)', () => {
    const records = allRecords()
    expect(records.length).toBeGreaterThan(90)
    for (const r of records) {
      const e = toOcsf(r)
      expect({ finding: r.finding.id, errors: ocsfErrors(e) }).toEqual({ finding: r.finding.id, errors: [] })
    }
  })

  it('maps the lifecycle: Create on open, Update on change and recurrence, Close on resolve', () => {
    const open = toOcsf(record('opened'))
    expect(open).toMatchObject({ activity_id: 1, type_uid: 200301, status: 'New', severity_id: 4 })
    expect(open.compliance).toMatchObject({ status: 'Fail', control: 'AC-2(3)' })
    expect(open.compliance).toMatchObject({ standards: ['NIST SP 800-53 AC-2(3)', 'SOC 2 CC6.3'] })
    expect(open.finding_info).toMatchObject({ uid: 'fp-3a9c1d', types: ['revoke_not_applied'] })
    const reopened = toOcsf(record('reopened'))
    expect(reopened).toMatchObject({ activity_id: 2, type_uid: 200302, status_id: 1, status: 'New' })
    const suppressed = toOcsf(record('suppressed'))
    expect(suppressed).toMatchObject({ activity_id: 2, status_id: 3, status: 'Suppressed' })
    const closed = toOcsf(record('resolved'))
    expect(closed).toMatchObject({ activity_id: 3, type_uid: 200303, status_id: 4, status: 'Resolved' })
    expect(closed.compliance).toMatchObject({ status_id: 1, status: 'Pass' })
    expect(toOcsf(record('opened', {}, { severity: 'critical' }))).toMatchObject({
      severity_id: 5,
      severity: 'Critical',
    })
  })

  it('puts the identity, entitlement and ticket in resources and evidences', () => {
    const e = toOcsf(record('opened'))
    expect(e.resources).toEqual([
      { uid: '7d1c-aa', name: 'Contractors-VPN', type: 'entra group', role_id: 1, role: 'Target' },
      {
        uid: 'frank.li@contoso.com',
        name: 'frank.li@contoso.com',
        type: 'Person',
        role_id: 3,
        role: 'Affected',
      },
      { uid: 'RITM0010104', name: 'RITM0010104', type: 'snow ticket', role_id: 4, role: 'Related' },
    ])
    const ev = (e.evidences as { user: Record<string, unknown>; data: Record<string, unknown> }[])[0]!
    expect(ev.user).toMatchObject({
      uid: 'frank.li@contoso.com',
      email_addr: 'frank.li@contoso.com',
      type: 'User',
    })
    expect(ev.user.groups).toEqual([{ uid: '7d1c-aa', name: 'Contractors-VPN' }])
    expect(ev.data).toMatchObject({ rule: 'ACC-003', ticket: { source: 'snow', key: 'RITM0010104' } })
    const nhi = toOcsf(
      record('opened', { rule: 'NHI-001', identity: { key: 'entra:sp-1', kind: 'nhi' }, entitlement: null }),
    )
    expect((nhi.evidences as { user: Record<string, unknown> }[])[0]!.user).toMatchObject({
      type_id: 4,
      type: 'Service',
    })
    const stale = toOcsf(
      record('opened', {
        rule: 'NHI-003',
        identity: { key: 'entra:sp-1', kind: 'nhi' },
        entitlement: null,
        ticket: null,
        credentialKeyId: 'key-9',
      }),
    )
    expect(stale.resources).toContainEqual({
      uid: 'key-9',
      name: 'key-9',
      type: 'Credential',
      role_id: 3,
      role: 'Affected',
    })
    expect(stale.finding_info.types).toEqual(['nhi_stale_credential'])
  })

  it('carries the raised ticket through the incident profile only when there is one', () => {
    const without = toOcsf(record('opened'))
    expect(without.metadata.profiles).toBeUndefined()
    expect(without.tickets).toBeUndefined()
    const withTicket = toOcsf(
      record('resolved', {
        raisedTicket: { sink: 'snow', key: 'INC0010042', url: 'https://acme.service-now.com/x' },
      }),
    )
    expect(withTicket.metadata.profiles).toEqual(['incident'])
    expect(withTicket.tickets).toEqual([
      {
        uid: 'INC0010042',
        src_url: 'https://acme.service-now.com/x',
        title: 'snow INC0010042',
        type_id: 2,
        type: 'External',
        status_id: 5,
        status: 'Resolved',
      },
    ])
  })

  it('gives each emission its own metadata.uid, the same on replay', () => {
    const a = toOcsf(record('opened', {}, { id: 1 }))
    const b = toOcsf(record('updated', {}, { id: 2 }))
    expect(a.metadata.uid).not.toBe(b.metadata.uid)
    expect(toOcsf(record('opened', {}, { id: 1 })).metadata.uid).toBe(a.metadata.uid)
    expect(emissionUid('x', 1)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    expect(a.time).toBe(Date.parse('2026-11-29T12:00:00Z'))
  })

  it('keeps secrets out of the evidence', () => {
    const e = toOcsf(record('opened', { evidence: { token: 'abc', note: 'fine' } }))
    const data = (e.evidences as { data: { evidence: Record<string, unknown> } }[])[0]!.data
    expect(data.evidence).toEqual({ token: '[REDACTED]', note: 'fine' })
  })
})

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TicketMap } from '../../../../src/config/mapping.ts'
import {
  type ConnectorDefaults,
  compileTicketMap,
} from '../../../../src/connectors/ticket-mapping/map-ticket.ts'

const DEFAULTS: ConnectorDefaults = {
  key: { from: 'number' },
  url: { from: 'url' },
  requester: { from: 'opened_by.email' },
  createdAt: { from: 'sys_created_on', date: { format: 'yyyy-MM-dd HH:mm:ss', zone: 'UTC' } },
  updatedAt: { from: 'sys_updated_on', date: { format: 'yyyy-MM-dd HH:mm:ss', zone: 'UTC' } },
}

const minimal = TicketMap.parse({
  kind: { from: 'variables.action', values: { add: 'grant', remove: 'revoke' }, default: 'grant' },
  beneficiary: { from: 'requested_for.email' },
  targets: { from: 'variables.group_name', split: ',' },
})

const item = {
  number: 'RITM0010001',
  url: 'https://x/nav',
  sys_created_on: '2026-11-01 10:00:00',
  sys_updated_on: '2026-11-02 11:00:00',
  opened_by: { value: 'a'.repeat(32), email: 'boss@contoso.com' },
  requested_for: { value: 'b'.repeat(32), email: 'ann@contoso.com' },
  variables: { action: 'add', group_name: 'VPN-Users, Finance-RO ,,VPN-Users' },
}

describe('ticket-mapping/map-ticket', () => {
  it('maps a minimal map with the connector defaults filling the rest', () => {
    const m = compileTicketMap(minimal, DEFAULTS).apply(item)
    expect(m).toEqual({
      kind: 'grant',
      state: null,
      approval: null,
      key: 'RITM0010001',
      url: 'https://x/nav',
      requester: 'boss@contoso.com',
      beneficiary: 'ann@contoso.com',
      targets: [
        { system: null, entitlement: 'VPN-Users' },
        { system: null, entitlement: 'Finance-RO' },
      ],
      justification: null,
      expiresAt: null,
      createdAt: new Date('2026-11-01T10:00:00Z'),
      updatedAt: new Date('2026-11-02T11:00:00Z'),
      closedAt: null,
      problems: [],
    })
  })

  it('lets the user map override a connector default', () => {
    const map = TicketMap.parse({ ...minimal, key: { from: 'variables.action' } })
    expect(compileTicketMap(map, DEFAULTS).apply(item).key).toBe('add')
  })

  it('maps arrays element-wise (Jira multi-selects) and options by their value', () => {
    const map = TicketMap.parse({
      kind: { from: 'fields.customfield_10072.value', values: { Add: 'grant', Remove: 'revoke' } },
      beneficiary: { from: 'fields.customfield_10071' },
      targets: { from: 'fields.customfield_10073.value' },
      system: { from: 'fields["Target system"]' },
    })
    const issue = {
      key: 'ACC-1',
      fields: {
        customfield_10072: { id: '1', value: 'Remove' },
        customfield_10071: { accountId: '5b10', emailAddress: 'ann@contoso.com' },
        customfield_10073: [{ value: 'GitHub-Admins' }, { value: 'AWS-Prod' }],
        'Target system': 'okta',
        created: '2026-05-15T09:00:00.000+0900',
        updated: '2026-05-15T10:00:00.000+0900',
      },
    }
    const m = compileTicketMap(map, {
      key: { from: 'key' },
      createdAt: { from: 'fields.created' },
      updatedAt: { from: 'fields.updated' },
    }).apply(issue)
    expect(m.problems).toEqual([])
    expect(m.kind).toBe('revoke')
    expect(m.beneficiary).toBe('ann@contoso.com')
    expect(m.targets).toEqual([
      { system: 'okta', entitlement: 'GitHub-Admins' },
      { system: 'okta', entitlement: 'AWS-Prod' },
    ])
    expect(m.createdAt).toEqual(new Date('2026-05-15T00:00:00Z'))
  })

  it('keeps an unmapped value with no default as a reason, naming the field, value and path', () => {
    const map = TicketMap.parse({ ...minimal, kind: { from: 'variables.action', values: { add: 'grant' } } })
    const m = compileTicketMap(map, DEFAULTS).apply({
      ...item,
      variables: { ...item.variables, action: 'move' },
    })
    expect(m.kind).toBe('other')
    expect(m.problems).toEqual([
      'kind: value "move" at variables.action is not one of "add" and there is no default',
    ])
  })

  it('maps a missing beneficiary and empty targets (the reconciler reports them), but not an unreadable date', () => {
    const map = TicketMap.parse({ ...minimal, expiresAt: { from: 'variables.end_date' } })
    const m = compileTicketMap(map, DEFAULTS).apply({
      ...item,
      requested_for: '',
      variables: { action: 'add', group_name: ' , ', end_date: 'soon' },
    })
    expect(m.beneficiary).toBeNull()
    expect(m.targets).toEqual([])
    expect(m.problems).toEqual([
      'expiresAt: not a date: "soon" (give tickets.map.<field>.date a format) at variables.end_date',
    ])
  })

  it('is unmappable without a kind, key or times', () => {
    const map = TicketMap.parse({ ...minimal, kind: { from: 'variables.nope' } })
    const m = compileTicketMap(map, {}).apply(item)
    expect(m.problems).toEqual([
      'kind: no value at variables.nope',
      'key: not mapped',
      'createdAt: not mapped',
      'updatedAt: not mapped',
    ])
  })

  it('refuses two different values where one is expected', () => {
    const map = TicketMap.parse({ ...minimal, beneficiary: { from: 'people.email' } })
    const m = compileTicketMap(map, DEFAULTS).apply({ ...item, people: [{ email: 'a@x' }, { email: 'b@x' }] })
    expect(m.beneficiary).toBeNull()
    expect(m.problems[0]).toMatch(/^beneficiary: expected one value at people.email, got 2/)
  })

  it('fails compilation on a config mistake, naming the field', () => {
    const map = TicketMap.parse({
      ...minimal,
      expiresAt: { from: 'variables.end', date: { format: 'dd/MM/yyyy', zone: 'Nowhere/Land' } },
    })
    expect(() => compileTicketMap(map, DEFAULTS)).toThrow(/^tickets\.map\.expiresAt: unknown time zone/)
    expect(() =>
      compileTicketMap(minimal, DEFAULTS, {
        rewrite: (s) => {
          if (s[0] === 'variables') throw new Error('no such variable')
          return s
        },
      }),
    ).toThrow(/tickets\.map\.(kind|targets): no such variable/)
  })

  it('exposes the rewritten paths it reads', () => {
    const c = compileTicketMap(minimal, DEFAULTS, {
      rewrite: (s) => (s[0] === 'variables' ? ['vars', ...s.slice(1)] : s),
    })
    expect(c.paths).toContainEqual(['vars', 'group_name'])
    expect(c.paths).toContainEqual(['requested_for', 'email'])
  })

  // Properties: whatever the record holds, a ticket comes out (never a throw), and it is mappable exactly when
  // the required fields have values the map accepts.
  const text = fc.string({ minLength: 0, maxLength: 12 })
  const anyValue = fc.oneof(
    text,
    fc.integer(),
    fc.constant(null),
    fc.constant(''),
    fc.array(text, { maxLength: 3 }),
  )

  it('never throws and never drops a record, whatever it holds', () => {
    const compiled = compileTicketMap(minimal, DEFAULTS)
    fc.assert(
      fc.property(fc.dictionary(text, anyValue), fc.dictionary(text, anyValue), (top, variables) => {
        const m = compiled.apply({ ...top, variables })
        expect(m.kind).toMatch(/^(grant|revoke|other)$/)
        if (m.problems.length === 0) {
          expect(m.key).not.toBeNull()
          expect(m.createdAt).toBeInstanceOf(Date)
        }
        for (const t of m.targets) expect(t.entitlement.trim()).toBe(t.entitlement)
      }),
    )
  })

  it('splits targets into trimmed, non-empty, distinct names whose join gives back the input', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/)
    fc.assert(
      fc.property(
        fc.array(name, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(',', ';', '|'),
        (names, sep) => {
          const map = TicketMap.parse({ ...minimal, targets: { from: 'variables.group_name', split: sep } })
          const m = compileTicketMap(map, DEFAULTS).apply({
            ...item,
            variables: { action: 'add', group_name: names.map((n) => ` ${n} `).join(sep) },
          })
          expect(m.problems).toEqual([])
          expect(m.targets.map((t) => t.entitlement)).toEqual([...new Set(names)])
        },
      ),
    )
  })

  it('maps each vendor value through values, to default, or to a problem', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.constantFrom('grant', 'revoke', 'other')),
        fc.stringMatching(/^[a-z]{1,6}$/),
        fc.option(fc.constantFrom('grant', 'revoke'), { nil: undefined }),
        (values, action, dflt) => {
          const map = TicketMap.parse({
            ...minimal,
            kind: { from: 'variables.action', values, default: dflt },
          })
          const m = compileTicketMap(map, DEFAULTS).apply({
            ...item,
            variables: { ...item.variables, action },
          })
          if (Object.hasOwn(values, action)) expect(m.kind).toBe(values[action])
          else if (dflt) expect(m.kind).toBe(dflt)
          else expect(m.problems.some((p) => p.startsWith('kind:'))).toBe(true)
        },
      ),
    )
  })
})

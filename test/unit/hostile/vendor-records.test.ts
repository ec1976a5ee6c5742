import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { TicketMap } from '../../../src/config/mapping.ts'
import { RawUser } from '../../../src/connectors/entra/schema.ts'
import { userToIdentity } from '../../../src/connectors/entra/transform.ts'
import { parseRecords } from '../../../src/connectors/http/validate.ts'
import { OktaUser } from '../../../src/connectors/okta/schema.ts'
import { toIdentity } from '../../../src/connectors/okta/transform.ts'
import { compileTicketMap } from '../../../src/connectors/ticket-mapping/map-ticket.ts'

/**
 * Vendor records built to hurt (issue 11): prototype-pollution keys, huge and control-laden strings, deep
 * nesting, numbers where strings belong. Each is either handled (its text kept verbatim) or rejected with a
 * reason naming the field; none pollutes a prototype or throws out of the page.
 */
const okUser = {
  id: '00u1',
  status: 'ACTIVE',
  created: '2025-01-01T00:00:00.000Z',
  lastUpdated: '2025-01-02T00:00:00.000Z',
  statusChanged: null,
  lastLogin: null,
  profile: { login: 'ann@contoso.com', email: 'ann@contoso.com', firstName: 'Ann', lastName: 'Lee' },
}

/** What a vendor's JSON body becomes: JSON.parse makes `__proto__` an own key, as an HTTP client would. */
const wire = (o: unknown, extra = ''): unknown => JSON.parse(JSON.stringify(o).replace(/^\{/, `{${extra}`))

function deep(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
}

afterEach(() => {
  // Nothing may leak onto Object.prototype from any record.
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  expect(({} as Record<string, unknown>).isAdmin).toBeUndefined()
})

describe('Okta users', () => {
  it('prototype-pollution keys are plain data: no prototype changes, the record maps as usual', () => {
    const raw = [
      wire(okUser, '"__proto__":{"polluted":true},'),
      wire(
        { ...okUser, id: '00u2', profile: { ...okUser.profile } },
        '"constructor":{"prototype":{"isAdmin":true}},',
      ),
      JSON.parse(
        JSON.stringify({ ...okUser, id: '00u3' }).replace(
          '"profile":{',
          '"profile":{"__proto__":{"isAdmin":true},',
        ),
      ),
    ]
    const { records, invalid } = parseRecords(raw, OktaUser)
    expect(invalid).toEqual([])
    const ids = records.map(toIdentity)
    expect(ids.map((i) => i.externalId)).toEqual(['00u1', '00u2', '00u3'])
    for (const i of ids) {
      expect(i).toMatchObject({ login: 'ann@contoso.com', status: 'active' })
      expect(Object.getPrototypeOf(i)).toBe(Object.prototype)
      expect((i as unknown as Record<string, unknown>).polluted).toBeUndefined()
    }
  })

  it('numbers where strings belong and unknown statuses are rejected with the field named', () => {
    const { records, invalid } = parseRecords(
      [
        { ...okUser, id: 'a', profile: { ...okUser.profile, login: 12345 } },
        { ...okUser, id: 'b', status: 'HACKED' },
        { ...okUser, id: 'c', created: 20250101 },
        { ...okUser, id: 42 },
      ],
      OktaUser,
    )
    expect(records).toEqual([])
    expect(invalid.map((i) => i.id)).toEqual(['a', 'b', 'c', '42'])
    expect(invalid[0]!.reason).toMatch(/^profile\.login: /)
    expect(invalid[1]!.reason).toMatch(/^status: /)
    expect(invalid[2]!.reason).toMatch(/^created: /)
    expect(invalid[3]!.reason).toMatch(/^id: /)
  })

  it('huge, unicode and control-character text is kept verbatim', () => {
    const huge = 'x'.repeat(1_000_000)
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (name) => {
        const { records, invalid } = parseRecords(
          [{ ...okUser, profile: { ...okUser.profile, displayName: name + huge.slice(0, 10) } }],
          OktaUser,
        )
        expect(invalid).toEqual([])
        const id = toIdentity(records[0]!)
        expect(id.displayName).toBe(name + huge.slice(0, 10))
      }),
      { numRuns: 200 },
    )
    const big = parseRecords([{ ...okUser, profile: { ...okUser.profile, displayName: huge } }], OktaUser)
    expect(toIdentity(big.records[0]!).displayName).toHaveLength(1_000_000)
  })

  it('deep nesting in an unknown field neither overflows the stack nor loses the record', () => {
    const raw = JSON.parse(
      JSON.stringify(okUser).replace('"profile":{', `"profile":{"custom":${deep(5000)},`),
    )
    const { records, invalid } = parseRecords([raw], OktaUser)
    expect(invalid).toEqual([])
    expect(toIdentity(records[0]!).login).toBe('ann@contoso.com')
  })
})

describe('Entra users', () => {
  it('a string where Graph sends a boolean is rejected with the field named, not read as true', () => {
    const { records, invalid } = parseRecords(
      [
        { id: 'u1', userPrincipalName: 'a@contoso.com', accountEnabled: 'false' },
        { id: 'u2', userPrincipalName: 42 },
        {
          id: 'u3',
          userPrincipalName: 'c@contoso.com',
          accountEnabled: false,
          displayName: '\u202eevil\u0000',
        },
      ],
      RawUser,
    )
    expect(invalid.map((i) => [i.id, i.reason.split(':')[0]])).toEqual([
      ['u1', 'accountEnabled'],
      ['u2', 'userPrincipalName'],
    ])
    const u3 = userToIdentity(records[0]!)
    expect(u3).toMatchObject({ status: 'disabled', displayName: '\u202eevil\u0000' })
  })
})

describe('ticket mapping', () => {
  const DEFAULTS = {
    key: { from: 'number' },
    createdAt: { from: 'created' },
    updatedAt: { from: 'updated' },
  }
  const base = { number: 'RITM1', created: '2026-11-01T10:00:00Z', updated: '2026-11-02T10:00:00Z' }

  it('reads own fields only: "constructor", "__proto__" and "toString" never reach the prototype chain', () => {
    const map = compileTicketMap(
      TicketMap.parse({
        kind: { from: 'variables.action', values: { add: 'grant' }, default: 'grant' },
        beneficiary: { from: 'variables.constructor' },
        requester: { from: 'variables.toString' },
        targets: { from: 'variables.__proto__' },
      }),
      DEFAULTS,
    )
    const m = map.apply({ ...base, variables: { action: 'add' } })
    expect(m).toMatchObject({ beneficiary: null, requester: null, targets: [] })
    // When the vendor really sends such keys, they are data like any other.
    const hostile = JSON.parse(
      '{"number":"RITM2","created":"2026-11-01T10:00:00Z","updated":"2026-11-02T10:00:00Z","variables":{"action":"add","constructor":"eve@contoso.com","__proto__":"Domain Admins"}}',
    )
    expect(map.apply(hostile)).toMatchObject({
      beneficiary: 'eve@contoso.com',
      targets: [{ entitlement: 'Domain Admins' }],
    })
  })

  it('a number or an object where text belongs is mapped as text or reported, never thrown', () => {
    const map = compileTicketMap(
      TicketMap.parse({
        kind: { from: 'variables.action', values: { add: 'grant' } },
        beneficiary: { from: 'variables.who' },
        targets: { from: 'variables.what', split: ',' },
      }),
      DEFAULTS,
    )
    fc.assert(
      fc.property(
        fc.anything({ maxDepth: 3 }),
        fc.anything({ maxDepth: 3 }),
        fc.anything({ maxDepth: 2 }),
        (who, what, action) => {
          const m = map.apply({ ...base, variables: { who, what, action } })
          // A kind that is not the mapped vendor value makes the ticket unmappable, with the field named.
          if (action !== 'add') expect(m.problems.join('; ')).toMatch(/^kind: /)
          for (const p of m.problems) expect(p).toMatch(/^(kind|beneficiary|targets): /)
          expect(m.beneficiary === null || typeof m.beneficiary === 'string').toBe(true)
          for (const t of m.targets) expect(typeof t.entitlement).toBe('string')
        },
      ),
      { numRuns: 300 },
    )
  })
})

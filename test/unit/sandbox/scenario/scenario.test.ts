import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadConfig, loadPolicyFor } from '../../../../src/config/load.ts'
import { Policy } from '../../../../src/config/policy.ts'
import { comparisonKey, FindingJson } from '../../../../src/model/findings-json.ts'
import { RULE_IDS } from '../../../../src/model/rule-id.ts'
import { generateScenario, type Scenario, SECRET_FILES } from '../../../../src/sandbox/scenario/index.ts'
import { CASES } from '../../../../src/sandbox/scenario/plants.ts'
import { SIZES } from '../../../../src/sandbox/scenario/sizes.ts'

/**
 * Invariants of the generated scenario. Nothing here is derived from the manifest to check the manifest:
 * the tenant's own integrity, determinism, sizes, shapes, and a few rules simple enough to recompute
 * independently from the tenant (ACC-011, ACC-012's unresolvable targets, NHI-001, NHI-003).
 */

const NOW = Date.parse('2026-11-29T12:00:00Z')
const DAY = 86_400_000
let s: Scenario
let medium: Scenario | undefined
/** The medium scenario, generated once for every check that runs on both sizes. */
const getMedium = () => {
  medium ??= generateScenario({ seed: 7, size: 'medium' })
  return medium
}

beforeAll(() => {
  s = generateScenario({ seed: 42, size: 'small' })
})

type Ents = Scenario['intended']['entra']['entitlements']

/** Resolves a ticket target as rules.md does: by external id or case-insensitive name, within its system. */
function targetResolver(all: Ents) {
  const index = new Map<string, Ents>()
  const add = (k: string, e: Ents[number]) => {
    const list = index.get(k) ?? []
    if (!list.includes(e)) list.push(e)
    index.set(k, list)
  }
  for (const e of all) {
    add(e.name.toLowerCase(), e)
    add(e.externalId, e)
  }
  return (system: string | null, text: string): Ents => {
    const hits = [...(index.get(text.toLowerCase()) ?? []), ...(index.get(text) ?? [])]
    return [...new Set(hits)].filter((e) => system === null || e.source === system)
  }
}

function personKey(
  id: { email: string | null; upn: string | null; login: string | null },
  aliases: Record<string, string>,
) {
  const raw = (id.email ?? id.upn ?? id.login)!.toLowerCase()
  const [local, domain] = raw.split('@') as [string, string]
  return aliases[domain] ? `${local}@${aliases[domain]}` : raw
}

describe('generateScenario', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const again = generateScenario({ seed: 42, size: 'small' })
    expect(JSON.stringify(again.tenant)).toBe(JSON.stringify(s.tenant))
    expect(again.manifest).toEqual(s.manifest)
    expect(again.policyYaml).toBe(s.policyYaml)
    const other = generateScenario({ seed: 43, size: 'small' })
    expect(other.tenant.graph.tenantId).not.toBe(s.tenant.graph.tenantId)
    expect(other.tenant.graph.users[10]!.id).not.toBe(s.tenant.graph.users[10]!.id)
    // The same planted cases, whatever the seed.
    expect(other.manifest.map((f) => f.rule).sort()).toEqual(s.manifest.map((f) => f.rule).sort())
  })

  it('generates small in well under a second of work and about 200 identities', () => {
    // Generous bound: the machine is shared; bench/scenario.ts records the real figure.
    expect(s.generationMs).toBeLessThan(3000)
    expect(s.counts.identities).toBeGreaterThanOrEqual(180)
    expect(s.counts.identities).toBeLessThanOrEqual(300)
    expect(s.now).toBe('2026-11-29T12:00:00.000Z')
  })

  it('refuses an unknown size, a fractional seed and a bad time', () => {
    expect(() => generateScenario({ seed: 1, size: 'huge' as never })).toThrow(/unknown scenario size "huge"/)
    expect(() => generateScenario({ seed: 1.5, size: 'small' })).toThrow(/seed must be an integer/)
    expect(() => generateScenario({ seed: 1, size: 'small', now: 'yesterday' })).toThrow(
      /not an ISO timestamp/,
    )
  })

  it('medium has 10k identities and 100k direct grants (within 10%)', { timeout: 120_000 }, () => {
    const m = getMedium()
    expect(m.counts.identities).toBeGreaterThan(9_000)
    expect(m.counts.identities).toBeLessThan(11_000)
    expect(m.counts.directGrants).toBeGreaterThan(90_000)
    expect(m.counts.directGrants).toBeLessThan(110_000)
    // Same proportions of planted drift as small: every case 39 times.
    const perRule = (x: Scenario) => Object.groupBy(x.manifest, (f) => f.rule)
    for (const rule of RULE_IDS) expect(perRule(m)[rule]!.length).toBe(perRule(s)[rule]!.length * 39)
  })
})

describe('the manifest', () => {
  it('plants every rule, with privileged findings raised a level, all open and valid', () => {
    for (const f of s.manifest) expect(() => FindingJson.parse(f)).not.toThrow()
    const rules = new Set(s.manifest.map((f) => f.rule))
    for (const r of RULE_IDS) expect(rules, r).toContain(r)
    expect(s.manifest.every((f) => f.status === 'open' && f.id === null)).toBe(true)
    const sev = (plant: string) => s.manifest.filter((f) => f.plant === plant).map((f) => f.severity)
    expect(sev('acc001-directory-role')).toEqual(['critical'])
    expect(sev('acc001-entra-group')).toEqual(['high'])
    expect(sev('acc002-directory-role')).toEqual(['high'])
    expect(sev('acc002-okta-app')).toEqual(['medium'])
    expect(sev('nhi002-app-without-ticket')).toEqual(['low']) // the policy's override
    expect(sev('acc010-pay-and-approve')).toEqual(['critical'])
  })

  it('has no accidental duplicates', () => {
    const keys = s.manifest.map((f) => `${comparisonKey(f)} ${f.credentialKeyId ?? ''}`)
    expect(new Set(keys).size).toBe(keys.length)
  })

  it('names only identities, entitlements and tickets that exist (and visible tickets)', () => {
    const aliases = s.policy.identities!.domainAliases!
    const intended = s.intended
    const persons = new Set(
      [...intended.entra.identities, ...intended.okta.identities]
        .filter((i) => i.kind === 'human' || i.kind === 'guest')
        .map((i) => personKey(i, aliases)),
    )
    const nhis = new Set(
      [...intended.entra.identities, ...intended.okta.identities]
        .filter((i) => i.kind === 'service' || i.kind === 'managed_identity')
        .map((i) => `${i.source}:${i.externalId}`),
    )
    const ents = new Map(
      [...intended.entra.entitlements, ...intended.okta.entitlements].map((e) => [
        `${e.source}:${e.externalId}`,
        e,
      ]),
    )
    const tickets = new Set(
      [...intended.servicenow.tickets, ...intended.jira.tickets].map((t) => `${t.source}:${t.key}`),
    )
    for (const f of s.manifest) {
      const where = `${f.rule} ${f.plant}`
      if (f.identity?.kind === 'person') expect(persons, where).toContain(f.identity.key)
      if (f.identity?.kind === 'nhi') expect(nhis, where).toContain(f.identity.key)
      if (f.entitlement?.externalId) {
        const e = ents.get(`${f.entitlement.source}:${f.entitlement.externalId}`)
        expect(e, where).toBeDefined()
        expect(e!.name).toBe(f.entitlement.name)
        expect(e!.type).toBe(f.entitlement.type)
      }
      if (f.ticket) expect(tickets, where).toContain(`${f.ticket.source}:${f.ticket.key}`)
    }
  })

  it('every planted case that should find something does, and look-alikes find nothing', () => {
    const plants = new Set(s.manifest.map((f) => f.plant))
    for (const name of Object.keys(CASES)) {
      if (name.startsWith('lookalike-')) expect(plants, name).not.toContain(name)
      else expect(plants, name).toContain(name)
    }
  })
})

describe.each([
  ['small', () => s],
  ['medium', getMedium],
] as const)('independent checks on %s, from the tenant alone', (_size, scenario) => {
  let s: Scenario
  beforeAll(() => {
    s = scenario()
  }, 120_000)

  describe('simple rules', () => {
    it('ACC-011 is exactly the identity-held direct grants of disabled or suspended identities', () => {
      const aliases = s.policy.identities!.domainAliases!
      const { entra, okta } = s.intended
      const inactive = new Map(
        [...entra.identities, ...okta.identities]
          .filter((i) => i.status !== 'active')
          .map((i) => [
            `${i.source}:${i.externalId}`,
            i.kind === 'service' || i.kind === 'managed_identity'
              ? `${i.source}:${i.externalId}`
              : personKey(i, aliases),
          ]),
      )
      const expected = [...entra.grants, ...okta.grants]
        .filter((g) => g.principalType === 'identity' && inactive.has(`${g.source}:${g.principalId}`))
        .map((g) => `${inactive.get(`${g.source}:${g.principalId}`)} ${g.source}:${g.entitlementId}`)
        .sort()
      const planted = s.manifest
        .filter((f) => f.rule === 'ACC-011')
        .map((f) => `${f.identity!.key} ${f.entitlement!.source}:${f.entitlement!.externalId}`)
        .sort()
      expect(planted).toEqual(expected)
      expect(planted.length).toBeGreaterThan(5)
    })

    it('ACC-008 and ACC-009 are exactly the self-approved tickets and approvals without authority', () => {
      const aliases = s.policy.identities!.domainAliases!
      const key = (text: string | null) => {
        const t = (text ?? '').toLowerCase()
        const [local, domain] = t.split('@') as [string, string]
        return domain && aliases[domain] ? `${local}@${aliases[domain]}` : t
      }
      const policy = Policy.parse(s.policy)
      const all = [...s.intended.entra.entitlements, ...s.intended.okta.entitlements]
      const resolve = targetResolver(all)
      const glob = (pattern: string) =>
        new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i')
      const selects = (
        sel: { source?: string; type?: string; name?: string; id?: string },
        e: (typeof all)[number],
      ) =>
        (!sel.source || sel.source === e.source) &&
        (!sel.type || sel.type === e.type) &&
        (!sel.id || sel.id === e.externalId) &&
        (!sel.name || glob(sel.name).test(e.name))
      const selfApproved: string[] = []
      const noAuthority: string[] = []
      for (const t of [...s.intended.servicenow.tickets, ...s.intended.jira.tickets]) {
        const approvers = t.approvals.filter((a) => a.decision === 'approved').map((a) => key(a.approver))
        if (approvers.some((a) => a === key(t.beneficiary) || a === key(t.requester)))
          selfApproved.push(t.key)
        if (!approvers.length) continue
        for (const x of t.targets) {
          const hits = resolve(x.system, x.entitlement)
          if (hits.length !== 1) continue
          const rule = policy.approvers.find((r) => r.entitlements.some((sel) => selects(sel, hits[0]!)))
          if (rule && !approvers.every((a) => rule.approvers.some((g) => glob(g).test(a))))
            noAuthority.push(`${t.key} ${hits[0]!.source}:${hits[0]!.externalId}`)
        }
      }
      const planted = (rule: string, withEnt: boolean) =>
        s.manifest
          .filter((f) => f.rule === rule)
          .map((f) =>
            withEnt
              ? `${f.ticket!.key} ${f.entitlement!.source}:${f.entitlement!.externalId}`
              : f.ticket!.key,
          )
          .sort()
      expect(planted('ACC-008', false)).toEqual(selfApproved.sort())
      expect(planted('ACC-009', true)).toEqual(noAuthority.sort())
    })

    it('NHI-001 is exactly the non-human identities with no owner from the vendor or the policy map', () => {
      const policy = Policy.parse(s.policy)
      const globs = Object.keys(policy.nhi.owners).filter((k) => !k.includes(':'))
      const ownedByPolicy = (i: { source: string; externalId: string; displayName: string | null }) =>
        `${i.source}:${i.externalId}` in policy.nhi.owners ||
        globs.some((g) =>
          new RegExp(`^${g.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(
            i.displayName ?? '',
          ),
        )
      const expected = [...s.intended.entra.identities, ...s.intended.okta.identities]
        .filter(
          (i) =>
            (i.kind === 'service' || i.kind === 'managed_identity') &&
            i.owners.length === 0 &&
            !ownedByPolicy(i),
        )
        .map((i) => `${i.source}:${i.externalId}`)
        .sort()
      const planted = s.manifest
        .filter((f) => f.rule === 'NHI-001')
        .map((f) => f.identity!.key)
        .sort()
      expect(planted).toEqual(expected)
    })

    it('NHI-003 is exactly the credentials expired or older than 365 days', () => {
      const expected = [...s.intended.entra.credentials, ...s.intended.okta.credentials]
        .filter((c) => c.expiresAt!.getTime() < NOW || c.createdAt!.getTime() < NOW - 365 * DAY)
        .map((c) => `${c.source}:${c.identityId} ${c.keyId}`)
        .sort()
      const planted = s.manifest
        .filter((f) => f.rule === 'NHI-003')
        .map((f) => `${f.identity!.key} ${f.credentialKeyId}`)
        .sort()
      expect(planted).toEqual(expected)
      // Microsoft's first-party apps carry expired certificates too, but are excluded: never in `intended`.
      const firstParty = s.tenant.graph.servicePrincipals.filter(
        (sp) => sp.appOwnerOrganizationId === s.tenant.graph.microsoftTenantId,
      )
      expect(firstParty.length).toBeGreaterThan(0)
      expect(firstParty.every((sp) => sp.keyCredentials.some((k) => Date.parse(k.endDateTime) < NOW))).toBe(
        true,
      )
    })

    it('every ticket target resolves to exactly one entitlement, unless ACC-012 names it', () => {
      const { entra, okta, servicenow, jira } = s.intended
      const all = [...entra.entitlements, ...okta.entitlements]
      const resolve = targetResolver(all)
      const flagged = new Set(
        s.manifest
          .filter((f) => f.rule === 'ACC-012' && f.entitlement!.externalId === null)
          .map((f) => `${f.ticket!.key} ${f.entitlement!.name}`),
      )
      let checked = 0
      for (const t of [...servicenow.tickets, ...jira.tickets]) {
        for (const target of t.targets) {
          const hits = resolve(target.system, target.entitlement)
          checked++
          expect(
            hits.length === 1 || flagged.has(`${t.key} ${target.entitlement}`),
            `${t.key} ${target.entitlement}`,
          ).toBe(true)
          if (hits.length !== 1) expect(flagged).toContain(`${t.key} ${target.entitlement}`)
        }
      }
      expect(checked).toBeGreaterThan(500)
      expect(flagged.size).toBe(2 * SIZES[s.size].unit)
    })
  })

  describe('coverage', () => {
    /** Who a ticket's beneficiary is: a person key, or `source:id` of the non-human identity it names. */
    function resolver() {
      const aliases = s.policy.identities!.domainAliases!
      const { entra, okta } = s.intended
      const subjectOf = new Map<string, string>()
      const nhiByText = new Map<string, string>()
      const persons = new Set<string>()
      for (const i of [...entra.identities, ...okta.identities]) {
        const nhi = i.kind === 'service' || i.kind === 'managed_identity'
        const key = nhi ? `${i.source}:${i.externalId}` : personKey(i, aliases)
        subjectOf.set(`${i.source}:${i.externalId}`, key)
        if (nhi) {
          for (const t of [key, i.externalId, i.displayName ?? '']) nhiByText.set(t.toLowerCase(), key)
        } else persons.add(key)
      }
      const resolve = (text: string | null): string | null => {
        if (!text) return null
        const t = text.toLowerCase()
        if (nhiByText.has(t)) return nhiByText.get(t)!
        const [local, domain] = t.split('@') as [string, string]
        const k = domain && aliases[domain] ? `${local}@${aliases[domain]}` : t
        return persons.has(k) ? k : null
      }
      return { subjectOf, resolve }
    }

    it('every ticket beneficiary resolves, except the ones ACC-012 reports', () => {
      const { resolve } = resolver()
      const unresolved = [...s.intended.servicenow.tickets, ...s.intended.jira.tickets]
        .filter((t) => resolve(t.beneficiary) === null)
        .map((t) => t.key)
        .sort()
      const planted = s.manifest
        .filter((f) => f.rule === 'ACC-012' && f.identity === null)
        .map((f) => f.ticket!.key)
        .sort()
      expect(unresolved).toEqual(planted)
      expect(planted.length).toBe(SIZES[s.size].unit)
    })

    it('NHI-002 is exactly the non-human identities no service_account ticket names', () => {
      const { resolve } = resolver()
      const named = new Set(
        [...s.intended.servicenow.tickets, ...s.intended.jira.tickets]
          .filter((t) => t.kind === 'service_account')
          .map((t) => resolve(t.beneficiary)),
      )
      const expected = [...s.intended.entra.identities, ...s.intended.okta.identities]
        .filter(
          (i) =>
            (i.kind === 'service' || i.kind === 'managed_identity') &&
            !named.has(`${i.source}:${i.externalId}`),
        )
        .map((i) => `${i.source}:${i.externalId}`)
        .sort()
      const planted = s.manifest
        .filter((f) => f.rule === 'NHI-002')
        .map((f) => f.identity!.key)
        .sort()
      expect(planted).toEqual(expected)
    })

    it('active grants are covered by a ticket, birthright, baseline or exception unless the manifest flags them', () => {
      const { subjectOf, resolve } = resolver()
      const { entra, okta, servicenow, jira } = s.intended
      const ents = new Map(
        [...entra.entitlements, ...okta.entitlements].map((e) => [`${e.source}:${e.externalId}`, e]),
      )
      // What a group's membership confers: its group-held grants (nesting, group app-role / app assignments).
      const confers = new Map<string, string[]>()
      for (const g of [...entra.grants, ...okta.grants]) {
        if (g.principalType !== 'group') continue
        const k = `${g.source}:${g.principalId}`
        confers.set(k, [
          ...(confers.get(k) ?? []),
          ents.get(`${g.source}:${g.entitlementId}`)!.name.toLowerCase(),
        ])
      }
      const approvedGrantTickets = new Map<string, (typeof servicenow.tickets)[number][]>()
      for (const t of [...servicenow.tickets, ...jira.tickets]) {
        if (t.kind !== 'grant' || t.approval !== 'approved' || !['approved', 'fulfilled'].includes(t.state))
          continue
        const who = resolve(t.beneficiary)
        if (!who) continue
        const self = t.approvals.some(
          (a) => a.decision === 'approved' && (resolve(a.approver) === who || a.approver === t.requester),
        )
        if (self) continue
        approvedGrantTickets.set(who, [...(approvedGrantTickets.get(who) ?? []), t])
      }
      const inactive = new Set(
        [...entra.identities, ...okta.identities]
          .filter((i) => i.status !== 'active')
          .map((i) => `${i.source}:${i.externalId}`),
      )
      const flagged = new Set(
        s.manifest
          .filter((f) => ['ACC-001', 'ACC-003', 'ACC-004', 'ACC-005', 'ACC-007', 'ACC-011'].includes(f.rule))
          .map((f) => `${f.identity!.key} ${f.entitlement!.source}:${f.entitlement!.externalId}`),
      )
      const baseline = new Set(s.policy.baseline!.map((b) => `${b.identity} ${b.entitlement.name}`))
      let covered = 0
      const uncovered: string[] = []
      for (const g of [...entra.grants, ...okta.grants]) {
        if (g.principalType !== 'identity' || inactive.has(`${g.source}:${g.principalId}`)) continue
        const who = subjectOf.get(`${g.source}:${g.principalId}`)!
        const e = ents.get(`${g.source}:${g.entitlementId}`)!
        const key = `${who} ${g.source}:${g.entitlementId}`
        const names = [e.name.toLowerCase(), ...(confers.get(`${g.source}:${g.entitlementId}`) ?? [])]
        const time = g.grantedAt?.getTime() ?? NOW
        const byTicket = (approvedGrantTickets.get(who) ?? []).some(
          (t) =>
            t.createdAt.getTime() <= time + 5 * 60_000 &&
            (t.expiresAt === null || t.expiresAt.getTime() > NOW) &&
            t.targets.some(
              (x) =>
                (x.system === null || x.system === g.source) && names.includes(x.entitlement.toLowerCase()),
            ),
        )
        const ok =
          byTicket ||
          e.name === 'All Employees' ||
          e.name.startsWith('Dept-') ||
          e.name.startsWith('Lab-') ||
          baseline.has(`${who} ${e.name}`)
        if (flagged.has(key)) {
          // A flagged grant is never covered by a ticket (ACC-003 aside, which fires whatever covers it).
          continue
        }
        if (ok) covered++
        else uncovered.push(key)
      }
      expect(uncovered).toEqual([])
      expect(covered).toBeGreaterThan(1000)
    })
  })

  describe('fulfilment', () => {
    it('approved tickets fulfilled over 24h ago were carried out, unless ACC-002 flags the target', () => {
      const aliases = s.policy.identities!.domainAliases!
      const { entra, okta, servicenow, jira } = s.intended
      const all = [...entra.entitlements, ...okta.entitlements]
      const resolve = targetResolver(all)
      const subjectOf = new Map(
        [...entra.identities, ...okta.identities]
          .filter((i) => i.kind === 'human' || i.kind === 'guest')
          .map((i) => [`${i.source}:${i.externalId}`, personKey(i, aliases)]),
      )
      const grants = [...entra.grants, ...okta.grants]
      // Group-held grants: nesting (transitive) and app assignments (to direct members only).
      const parents = new Map<string, string[]>()
      const assigned = new Map<string, string[]>()
      for (const g of grants) {
        if (g.principalType !== 'group') continue
        const k = `${g.source}:${g.principalId}`
        const target = `${g.source}:${g.entitlementId}`
        const isGroup = all.some((e) => e.type === 'group' && `${e.source}:${e.externalId}` === target)
        const m = isGroup ? parents : assigned
        m.set(k, [...(m.get(k) ?? []), target])
      }
      const holds = new Map<string, Set<string>>()
      for (const g of grants) {
        if (g.principalType !== 'identity') continue
        const who = subjectOf.get(`${g.source}:${g.principalId}`)
        if (!who) continue
        const set = holds.get(who) ?? new Set<string>()
        holds.set(who, set)
        const direct = `${g.source}:${g.entitlementId}`
        set.add(direct)
        for (const a of assigned.get(direct) ?? []) set.add(a)
        const queue = [...(parents.get(direct) ?? [])]
        while (queue.length) {
          const p = queue.pop()!
          if (set.has(p)) continue
          set.add(p)
          queue.push(...(parents.get(p) ?? []))
        }
      }
      const flagged = new Set(
        s.manifest
          .filter((f) => f.rule === 'ACC-002')
          .map((f) => `${f.ticket!.key} ${f.entitlement!.source}:${f.entitlement!.externalId}`),
      )
      const missing: string[] = []
      let checked = 0
      for (const t of [...servicenow.tickets, ...jira.tickets]) {
        if (t.kind !== 'grant' || t.approval !== 'approved' || t.state !== 'fulfilled') continue
        if (!t.closedAt || t.closedAt.getTime() > NOW - DAY) continue
        const raw = t.beneficiary!.toLowerCase()
        const [local, domain] = raw.split('@') as [string, string]
        const who = aliases[domain] ? `${local}@${aliases[domain]}` : raw
        for (const x of t.targets) {
          const hits = resolve(x.system, x.entitlement)
          if (hits.length !== 1) continue
          const ent = `${hits[0]!.source}:${hits[0]!.externalId}`
          checked++
          const key = `${t.key} ${ent}`
          if (!holds.get(who)?.has(ent) !== flagged.has(key)) missing.push(key)
        }
      }
      expect(missing).toEqual([])
      expect(checked).toBeGreaterThan(300)
      expect(flagged.size).toBe(3 * SIZES[s.size].unit)
    })
  })
})

describe('the tenant', () => {
  it('is referentially whole in Graph', () => {
    const g = s.tenant.graph
    const users = new Set(g.users.map((u) => u.id))
    const groups = new Set(g.groups.map((x) => x.id))
    const sps = new Map(g.servicePrincipals.map((x) => [x.id, x]))
    expect(Object.keys(g.members).sort()).toEqual([...groups].sort())
    for (const [gid, members] of Object.entries(g.members)) {
      for (const m of members) {
        const pool = m.type === 'user' ? users : m.type === 'group' ? groups : new Set(sps.keys())
        expect(pool.has(m.id), `${gid} member ${m.type} ${m.id}`).toBe(true)
      }
      expect(new Set(members.map((m) => m.id)).size, `duplicate member in ${gid}`).toBe(members.length)
    }
    for (const a of g.appRoleAssignments) {
      expect((a.principalType === 'User' ? users : groups).has(a.principalId)).toBe(true)
      expect(sps.get(a.resourceId)?.appRoles.some((r) => r.id === a.appRoleId)).toBe(true)
    }
    const roleDefs = new Set(g.roleDefinitions.map((r) => r.id))
    for (const a of g.roleAssignments) {
      expect(users.has(a.principalId)).toBe(true)
      expect(roleDefs.has(a.roleDefinitionId)).toBe(true)
    }
    for (const x of [...g.applications, ...g.servicePrincipals])
      for (const o of x.owners) expect(users.has(o)).toBe(true)
    const appIds = new Set(g.applications.map((a) => a.appId))
    for (const sp of g.servicePrincipals) {
      if (sp.servicePrincipalType === 'Application' && sp.appOwnerOrganizationId === g.tenantId)
        expect(appIds.has(sp.appId), sp.displayName).toBe(true)
    }
    const ids = [...g.users, ...g.groups, ...g.servicePrincipals, ...g.applications].map((x) => x.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(new Set(g.users.map((u) => u.userPrincipalName.toLowerCase())).size).toBe(g.users.length)
  })

  it('is referentially whole in Okta', () => {
    const o = s.tenant.okta
    const users = new Set(o.users.map((u) => u.id))
    const groups = new Set(o.groups.map((x) => x.id))
    const apps = new Map(o.apps.map((a) => [a.id, a]))
    for (const [gid, members] of Object.entries(o.groupMembers)) {
      expect(groups.has(gid)).toBe(true)
      for (const u of members) expect(users.has(u)).toBe(true)
      expect(new Set(members).size).toBe(members.length)
    }
    for (const a of o.appUsers) {
      expect(users.has(a.userId)).toBe(true)
      expect(apps.get(a.appId)?.isApiServiceApp).toBe(false)
    }
    const pairs = o.appUsers.map((a) => `${a.appId}|${a.userId}`)
    expect(new Set(pairs).size).toBe(pairs.length)
    for (const a of o.appGroups) expect(groups.has(a.groupId) && apps.has(a.appId)).toBe(true)
    for (const r of o.roles) expect(users.has(r.userId)).toBe(true)
    for (const t of o.apiTokens) expect(users.has(t.userId)).toBe(true)
    // Members of a group assigned to an app are listed among the app's users with scope GROUP.
    for (const ag of o.appGroups) {
      for (const u of o.groupMembers[ag.groupId]!) expect(pairs).toContain(`${ag.appId}|${u}`)
    }
    const logins = o.users.map((u) => u.profile.login.toLowerCase())
    expect(new Set(logins).size).toBe(logins.length)
  })

  it('is referentially whole in ServiceNow, with every value a string', () => {
    const sn = s.tenant.servicenow
    const byTable = new Map(
      Object.entries(sn.tables).map(([t, rows]) => [t, new Set(rows.map((r) => r.sys_id))]),
    )
    const task = new Set([...byTable.get('sc_req_item')!, ...byTable.get('sc_request')!])
    for (const [table, refs] of Object.entries(sn.references)) {
      for (const row of sn.tables[table] ?? []) {
        for (const [field, target] of Object.entries(refs)) {
          const v = row[field]
          if (!v) continue
          const pool = target === 'task' ? task : byTable.get(target)
          expect(pool?.has(v), `${table}.${field} -> ${target} ${v}`).toBe(true)
        }
      }
    }
    for (const rows of Object.values(sn.tables)) {
      for (const r of rows) {
        expect(r.sys_id).toMatch(/^[0-9a-f]{32}$/)
        for (const v of Object.values(r)) expect(typeof v).toBe('string')
      }
    }
    const numbers = sn.tables.sc_req_item!.map((r) => r.number)
    expect(new Set(numbers).size).toBe(numbers.length)
    for (const id of sn.aclHidden) expect(byTable.get('sc_req_item')!.has(id)).toBe(true)
    // Every approval points at a requested item.
    for (const a of sn.tables.sysapproval_approver!)
      expect(byTable.get('sc_req_item')!.has(a.sysapproval!)).toBe(true)
  })

  it('is referentially whole in Jira, with its custom fields registered', () => {
    const j = s.tenant.jira
    const accounts = new Set(j.users.map((u) => u.accountId))
    const fields = new Set(j.fields.map((f) => f.id))
    const statuses = new Set(j.statuses.map((x) => x.id))
    expect(new Set(j.issues.map((i) => i.key)).size).toBe(j.issues.length)
    expect(new Set(j.issues.map((i) => i.id)).size).toBe(j.issues.length)
    for (const i of j.issues) {
      for (const f of Object.keys(i.fields))
        if (f.startsWith('customfield_')) expect(fields.has(f), f).toBe(true)
      expect(statuses.has((i.fields.status as { id: string }).id)).toBe(true)
      expect(accounts.has((i.fields.reporter as { accountId: string }).accountId)).toBe(true)
      expect(i.fields.created as string).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$/)
      for (const a of i.approvals)
        for (const x of a.approvers) expect(accounts.has(x.approver.accountId)).toBe(true)
    }
  })

  it('has entitlement names a ticket can resolve: unique per source, case-insensitively', () => {
    for (const src of [s.intended.entra, s.intended.okta]) {
      const names = src.entitlements.map((e) => e.name.toLowerCase())
      expect(new Set(names).size).toBe(names.length)
      for (const n of names) expect(n).not.toContain(',')
    }
  })

  it('has the realistic shapes the issue asks for', () => {
    const g = s.tenant.graph
    const o = s.tenant.okta
    const nested = Object.entries(g.members).flatMap(([parent, ms]) =>
      ms.filter((m) => m.type === 'group').map((m) => [m.id, parent]),
    )
    expect(
      nested.some(([a, b]) => nested.some(([c, d]) => c === b && d === a)),
      'a nesting cycle',
    ).toBe(true)
    expect(g.appRoleAssignments.some((a) => a.principalType === 'Group')).toBe(true)
    expect(g.users.some((u) => u.userType === 'Guest')).toBe(true)
    expect(g.users.some((u) => !u.accountEnabled)).toBe(true)
    expect(g.users.some((u) => u.mail === null)).toBe(true)
    expect(g.users.some((u) => u.mail && u.mail !== u.mail.toLowerCase())).toBe(true)
    expect(g.servicePrincipals.some((x) => x.servicePrincipalType === 'ManagedIdentity')).toBe(true)
    expect(
      g.servicePrincipals.some((x) => x.appOwnerOrganizationId === 'f8cdef31-a31e-4b4a-93e4-5f571e91255a'),
    ).toBe(true)
    expect(o.users.some((u) => u.status === 'SUSPENDED')).toBe(true)
    expect(o.users.some((u) => u.status === 'DEPROVISIONED')).toBe(true)
    expect(o.users.some((u) => u.profile.email.toLowerCase().endsWith('@contoso.onmicrosoft.com'))).toBe(true)
    expect(o.apps.some((a) => a.isApiServiceApp)).toBe(true)
    expect(o.apiTokens.length).toBeGreaterThan(0)
    expect(o.appUsers.some((a) => a.scope === 'GROUP')).toBe(true)
    expect(s.tenant.jira.users.some((u) => u.emailAddress === undefined)).toBe(true)
    expect(s.tenant.servicenow.aclHidden.length).toBeGreaterThan(0)
    const states = new Set(s.tenant.servicenow.tables.sc_req_item!.map((r) => r.state))
    for (const st of ['1', '2', '3', '4', '7']) expect(states).toContain(st)
    const tickets = [...s.intended.servicenow.tickets, ...s.intended.jira.tickets]
    for (const k of ['grant', 'revoke', 'service_account'] as const)
      expect(tickets.some((t) => t.kind === k)).toBe(true)
    expect(tickets.some((t) => t.expiresAt !== null)).toBe(true)
    expect(tickets.every((t) => t.unmappable === null)).toBe(true)
  })
})

describe('intended', () => {
  it('holds every grant between things that exist, and follows the configured base URLs', () => {
    for (const src of [s.intended.entra, s.intended.okta]) {
      const identities = new Set(src.identities.map((i) => i.externalId))
      const ents = new Set(src.entitlements.map((e) => e.externalId))
      const groups = new Set(src.entitlements.filter((e) => e.type === 'group').map((e) => e.externalId))
      for (const gr of src.grants) {
        expect(ents.has(gr.entitlementId), gr.entitlementId).toBe(true)
        expect((gr.principalType === 'identity' ? identities : groups).has(gr.principalId)).toBe(true)
      }
      for (const c of src.credentials) expect(identities.has(c.identityId)).toBe(true)
    }
    expect(s.intended.entra.grants.length + s.intended.okta.grants.length).toBe(s.counts.directGrants)
    const other = s.intendedFor({
      urls: { servicenow: 'http://127.0.0.1:9999/', jira: 'http://127.0.0.1:9998' },
    })
    expect(other.servicenow.tickets[0]!.url).toMatch(
      /^http:\/\/127\.0\.0\.1:9999\/nav_to\.do\?uri=sc_req_item\.do%3Fsys_id%3D[0-9a-f]{32}$/,
    )
    expect(other.jira.tickets[0]!.url).toBe(`http://127.0.0.1:9998/browse/${other.jira.tickets[0]!.key}`)
    // ACL-hidden items are invisible to the connector.
    const hidden = new Set(s.tenant.servicenow.aclHidden)
    expect(s.intended.servicenow.tickets.some((t) => hidden.has(t.externalId))).toBe(false)
  })
})

describe('sandboxConfig', () => {
  it('writes an accord.yaml and policy.yaml that accord loads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'accord-scenario-'))
    mkdirSync(join(dir, 'secrets'))
    for (const f of Object.values(SECRET_FILES)) writeFileSync(join(dir, 'secrets', f), `sandbox-${f}\n`)
    const { yaml, config } = s.config({
      urls: {
        servicenow: 'http://127.0.0.1:4001',
        jira: 'http://127.0.0.1:4002',
        graph: 'https://localhost:4003/v1.0',
        login: 'https://localhost:4003',
        okta: 'http://127.0.0.1:4004',
      },
      secretsDir: 'secrets',
      storePath: join(dir, 'store'),
      caFile: join(dir, 'ca.pem'),
    })
    writeFileSync(join(dir, 'accord.yaml'), yaml)
    writeFileSync(join(dir, 'policy.yaml'), s.policyYaml)
    const loaded = loadConfig(join(dir, 'accord.yaml'))
    expect(loaded.value.connectors.map((c) => c.id)).toEqual(['servicenow', 'jira', 'entra', 'okta'])
    const entra = loaded.value.connectors.find((c) => c.kind === 'entra')!
    expect(entra.kind === 'entra' && entra.clientSecret).toBe('sandbox-entra-client-secret')
    expect(entra.kind === 'entra' && entra.tenantId).toBe(s.tenant.graph.tenantId)
    expect(loaded.value.raise!.routes).toEqual([
      { when: { source: 'okta' }, to: 'jira' },
      { to: 'servicenow' },
    ])
    expect((config.connectors as { id: string }[]).length).toBe(4)
    const policy = loadPolicyFor(loaded)
    expect(policy.value.identities.domainAliases).toEqual({ 'contoso.onmicrosoft.com': 'contoso.com' })
    expect(policy.value.sod.map((x) => x.name)).toEqual(['pay-and-approve', 'change-own-code'])
    expect(policy.value.baseline.length).toBe(1)
  })
})

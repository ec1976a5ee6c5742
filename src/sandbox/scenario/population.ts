import {
  DEPARTMENTS,
  ENTRA_APP_NAMES,
  ENTRA_APP_ROLES,
  FIXED_ENTRA_APPS,
  FIXED_OKTA_APPS,
  GROUP_NOUNS,
  MICROSOFT_APPS,
  OKTA_APP_NAMES,
  WORKLOAD_GROUPS,
} from './catalog.ts'
import type { Ctx } from './context.ts'
import { requiredApprovers } from './policy.ts'
import { DAY } from './time.ts'
import type { Ent, Person } from './world.ts'

/**
 * The drift-free background: people with birthright and ticketed access, nested groups (with a cycle), app
 * roles held directly and through groups, admins, non-human identities with owners, tickets and fresh
 * credentials, and the everyday ticket noise (pending, rejected, cancelled, revokes of removed access,
 * laptop requests). Nothing here may produce a finding: every direct grant is covered by a ticket or a
 * birthright, every fulfilled grant ticket was carried out, every approver has authority.
 */

export interface Pools {
  entra: {
    allEmployees: Ent
    dept: Map<string, Ent>
    resource: Map<string, Ent[]>
    appRoles: Ent[]
    appGroups: { group: Ent; role: Ent }[]
    dirRoles: Ent[]
    payroll: { reader: Ent; create: Ent; approve: Ent }
    salesforce: { user: Ent; admin: Ent }
    github: { member: Ent; owner: Ent }
    payrollCreators: Ent
    financeInterns: Ent
    workload: Ent
    lab: Ent
    legacy: Ent
    apps: { name: string; spId: string }[]
  }
  okta: {
    allEmployees: Ent
    dept: Map<string, Ent>
    resource: Map<string, Ent[]>
    apps: Ent[]
    appGroups: { group: Ent; app: Ent }[]
    cab: Ent
    workload: Ent
  }
}

const OKTA_STATUSES_ACTIVE = [
  'ACTIVE',
  'ACTIVE',
  'ACTIVE',
  'ACTIVE',
  'PASSWORD_EXPIRED',
  'LOCKED_OUT',
  'PROVISIONED',
] as const

export function createPeople(ctx: Ctx): Person[] {
  const w = ctx.world
  const rng = ctx.rng
  const special = (local: string, first: string, last: string, dept: string) =>
    w.addPerson({ local, first, last, dept, okta: 'ACTIVE' })
  ctx.approvers = {
    cfo: special('cfo', 'Carmen', 'Fuentes', 'Finance'),
    controller: special('finance.controller', 'Felix', 'Contreras', 'Finance'),
    ciso: special('ciso', 'Sofia', 'Iversen', 'Security'),
    iamLead: special('iam.lead', 'Ilse', 'Amsel', 'IT'),
  }
  ctx.helpdesk = [1, 2, 3].map((i) => special(`service.desk${i}`, 'Service', `Desk ${i}`, 'Support'))
  const people: Person[] = [...Object.values(ctx.approvers), ...ctx.helpdesk]
  for (let i = 0; i < ctx.params.people; i++) {
    const dept = DEPARTMENTS[i % DEPARTMENTS.length]!
    const r = rng.next()
    const entra = r < 0.03 ? 'guest' : r < 0.07 ? 'none' : 'member'
    const leaver = entra === 'member' && rng.chance(0.02)
    const okta =
      entra === 'none'
        ? 'ACTIVE'
        : entra === 'guest' || !rng.chance(0.65)
          ? 'none'
          : leaver
            ? rng.pick(['SUSPENDED', 'DEPROVISIONED'] as const)
            : rng.pick(OKTA_STATUSES_ACTIVE)
    people.push(
      w.addPerson({
        dept,
        entra,
        entraEnabled: !leaver,
        okta,
        noMail: entra === 'member' && rng.chance(0.02),
        mixedCaseTicketEmail: rng.chance(0.1),
        hidesEmail: rng.chance(0.04),
      }),
    )
  }
  // Managers approve their department's unrestricted access. The policy's named approvers are kept out, so
  // a manager never has authority over restricted entitlements by accident.
  const named = new Set<Person>(Object.values(ctx.approvers))
  for (const d of DEPARTMENTS) {
    const pool = people.filter(
      (p) =>
        p.dept === d &&
        p.entra?.accountEnabled &&
        p.entra.userType === 'Member' &&
        !p.hidesEmail &&
        !named.has(p),
    )
    ctx.managers.set(d, pool.slice(0, Math.max(2, Math.ceil(pool.length / 15))))
  }
  return people
}

export function createEntitlements(ctx: Ctx, owners: Person[]): Pools {
  const w = ctx.world
  const rng = ctx.rng
  const p = ctx.params
  const entra: Pools['entra'] = {
    allEmployees: w.entraGroup('All Employees', 'Every employee (birthright)'),
    dept: new Map(),
    resource: new Map(),
    appRoles: [],
    appGroups: [],
    dirRoles: [],
    payroll: undefined as never,
    salesforce: undefined as never,
    github: undefined as never,
    payrollCreators: undefined as never,
    financeInterns: undefined as never,
    workload: w.entraGroup(WORKLOAD_GROUPS.entra, 'Service principals and managed identities'),
    lab: w.entraGroup('Lab-Sandbox', 'Throwaway lab access (policy exception)'),
    legacy: w.entraGroup('Legacy-Share', 'Old file share kept for a few (policy baseline)'),
    apps: [],
  }
  const orgWide = w.entraGroup('Org-Wide-Access')
  for (const d of DEPARTMENTS) {
    entra.dept.set(d, w.entraGroup(`Dept-${d}`, `Members of ${d}`))
    const pool: Ent[] = []
    for (let k = 0; k < p.entraGroupsPerDept; k++) {
      const noun = GROUP_NOUNS[k % GROUP_NOUNS.length]!
      const round = Math.floor(k / GROUP_NOUNS.length)
      pool.push(w.entraGroup(round ? `${d}-${noun}-${round + 1}` : `${d}-${noun}`))
    }
    // Two of each department's groups sit inside a team group, itself inside an org-wide one.
    const team = w.entraGroup(`${d}-Team-Access`)
    w.nest(pool[0]!, team)
    w.nest(pool[1]!, team)
    w.nest(team, orgWide)
    entra.resource.set(d, pool)
  }
  // A nesting cycle: each group is a member of the other.
  const platform = w.entraGroup('Eng-Platform-Ops')
  const infra = w.entraGroup('Eng-Infra-Ops')
  w.nest(platform, infra)
  w.nest(infra, platform)
  entra.resource.get('Engineering')!.push(platform, infra)

  for (const ms of MICROSOFT_APPS) {
    const { sp } = w.entraApp(ms.name, ['User'], {
      firstParty: { appId: ms.appId },
      created: ctx.now - 2500 * DAY,
    })
    // First-party apps carry old Microsoft-managed credentials and no owners: accord excludes them.
    w.credential(sp, 'certificate', ctx.now - 900 * DAY, ctx.now - 100 * DAY, ms.name)
  }

  const addApp = (name: string, roles: readonly string[]) => {
    const made = w.entraApp(name, roles, ownersFor(ctx, owners))
    nhiBackground(ctx, made.app!, made.sp, owners)
    entra.apps.push({ name, spId: made.sp.id })
    return made.roles
  }
  const [reader, create, approve] = addApp(FIXED_ENTRA_APPS[0].name, FIXED_ENTRA_APPS[0].roles) as [
    Ent,
    Ent,
    Ent,
  ]
  entra.payroll = { reader, create, approve }
  const [sfUser, sfAdmin] = addApp(FIXED_ENTRA_APPS[1].name, FIXED_ENTRA_APPS[1].roles) as [Ent, Ent]
  entra.salesforce = { user: sfUser, admin: sfAdmin }
  const [ghMember, ghOwner] = addApp(FIXED_ENTRA_APPS[2].name, FIXED_ENTRA_APPS[2].roles) as [Ent, Ent]
  entra.github = { member: ghMember, owner: ghOwner }
  entra.appRoles.push(reader, sfUser, sfAdmin, ghMember)
  const sfGroup = w.entraGroup('Salesforce-Users')
  w.grantToGroup(sfGroup, sfUser, ctx.now - 700 * DAY)
  entra.appGroups.push({ group: sfGroup, role: sfUser })
  entra.payrollCreators = w.entraGroup('Finance-Payments-Creators')
  w.grantToGroup(entra.payrollCreators, create, ctx.now - 700 * DAY)
  entra.financeInterns = w.entraGroup('Finance-Interns')
  w.nest(entra.financeInterns, entra.payrollCreators)
  entra.resource.get('Finance')!.push(entra.financeInterns)

  for (let k = 0; k < p.entraApps; k++) {
    const base = ENTRA_APP_NAMES[k % ENTRA_APP_NAMES.length]!
    const round = Math.floor(k / ENTRA_APP_NAMES.length)
    const name = round ? `${base}-${round + 1}` : base
    const roles = addApp(name, ENTRA_APP_ROLES)
    entra.appRoles.push(...roles)
    const g = w.entraGroup(`${name}-Users`)
    w.grantToGroup(g, roles[0]!, ctx.now - rng.range(100, 900) * DAY)
    entra.appGroups.push({ group: g, role: roles[0]! })
  }
  entra.dirRoles = [
    'User Administrator',
    'Security Reader',
    'Helpdesk Administrator',
    'Global Reader',
    'Application Administrator',
    'Exchange Administrator',
    'Billing Administrator',
    'Security Administrator',
  ].map((n) => w.dirRole(n))

  const okta: Pools['okta'] = {
    allEmployees: w.oktaGroup('All Employees', 'Every employee (birthright)'),
    dept: new Map(),
    resource: new Map(),
    apps: [],
    appGroups: [],
    cab: undefined as never,
    workload: w.oktaGroup(WORKLOAD_GROUPS.okta, 'Integrations and API clients'),
  }
  for (const d of DEPARTMENTS) {
    okta.dept.set(d, w.oktaGroup(`Dept-${d}`))
    const pool: Ent[] = []
    for (let k = 0; k < p.oktaGroupsPerDept; k++) {
      const noun = GROUP_NOUNS[(k + 3) % GROUP_NOUNS.length]!
      const round = Math.floor(k / GROUP_NOUNS.length)
      pool.push(w.oktaGroup(round ? `${d} ${noun} ${round + 1}` : `${d} ${noun}`))
    }
    okta.resource.set(d, pool)
  }
  for (const label of FIXED_OKTA_APPS) {
    const app = w.oktaApp(label)
    if (label === 'Change Advisory Board') okta.cab = app
    else okta.apps.push(app)
  }
  for (let k = 0; k < p.oktaApps; k++) {
    const base = OKTA_APP_NAMES[k % OKTA_APP_NAMES.length]!
    const round = Math.floor(k / OKTA_APP_NAMES.length)
    const app = w.oktaApp(round ? `${base} ${round + 1}` : base)
    okta.apps.push(app)
    const g = w.oktaGroup(`${app.name} Users`)
    w.grantToGroup(g, app, ctx.now - rng.range(100, 900) * DAY)
    okta.appGroups.push({ group: g, app })
  }
  return { entra, okta }
}

function ownersFor(ctx: Ctx, owners: Person[]): { owners?: Person[]; spOwners?: Person[] } {
  const r = ctx.rng.next()
  const one = () => [ctx.rng.pick(owners)]
  if (r < 0.7) return { owners: one() }
  if (r < 0.9) return { spOwners: one() }
  return { owners: one(), spOwners: one() }
}

/** Fresh credentials and a lifecycle ticket for a background app registration. */
function nhiBackground(
  ctx: Ctx,
  app: import('../state.ts').GraphApplication,
  sp: import('../state.ts').GraphServicePrincipal,
  owners: Person[],
): void {
  const rng = ctx.rng
  const r = rng.next()
  const start = ctx.now - rng.range(10, 300) * DAY
  if (r < 0.6)
    ctx.world.credential(
      app,
      'secret',
      start,
      start + 365 * DAY * rng.range(1, 2),
      `${app.displayName} secret`,
    )
  else if (r < 0.8) ctx.world.credential(app, 'certificate', start, start + 730 * DAY, app.displayName)
  serviceAccountTicket(ctx, 'entra', sp.id, sp.displayName, rng.pick(owners))
}

/**
 * The lifecycle ticket of a non-human identity: kind service_account, naming the NHI by `source:id`, by its
 * display name, or by its display name in another case (all three resolve).
 */
export function serviceAccountTicket(
  ctx: Ctx,
  source: 'entra' | 'okta',
  id: string,
  displayName: string,
  requester: Person,
): void {
  const rng = ctx.rng
  const r = rng.next()
  const text = r < 0.6 ? `${source}:${id}` : r < 0.9 ? displayName : displayName.toUpperCase()
  const approver = requester === ctx.approvers.iamLead ? ctx.approvers.ciso : ctx.approvers.iamLead
  const created = ctx.pastTime(5, 380)
  const approvedAt = created + rng.range(30, 3000) * 60_000
  ctx.world.ticket({
    via:
      source === 'okta' ? (rng.chance(0.7) ? 'jira' : 'servicenow') : rng.chance(0.7) ? 'servicenow' : 'jira',
    kind: 'service_account',
    beneficiary: { text },
    requester,
    system: source,
    targets: [source === 'entra' ? WORKLOAD_GROUPS.entra : WORKLOAD_GROUPS.okta],
    state: 'fulfilled',
    verdict: 'approved',
    approvals: [{ approver, decision: 'approved', at: approvedAt }],
    created,
    updated: approvedAt + 3_600_000,
    closed: approvedAt + 3_600_000,
    expires: null,
    summary: `Service account: ${displayName}`,
  })
}

/** Integration apps, managed identities, Okta service apps and API tokens, all owned, ticketed and fresh. */
export function createNhis(ctx: Ctx, owners: Person[], oktaOwners: Person[]): void {
  const w = ctx.world
  const rng = ctx.rng
  const n = ctx.params.nhi
  // accord's own app registration: the connector's client id.
  const accord = w.entraApp('accord-connector', [], { owners: [ctx.approvers.iamLead] })
  w.credential(accord.app!, 'secret', ctx.now - 30 * DAY, ctx.now + 335 * DAY, 'accord sandbox')
  serviceAccountTicket(ctx, 'entra', accord.sp.id, accord.sp.displayName, ctx.approvers.iamLead)
  for (let i = 0; i < n.integrations; i++) {
    const made = w.entraApp(
      `integration-${rng.pick(['hr-sync', 'billing-export', 'backup', 'crm-bridge', 'reporting'])}-${i + 1}`,
      [],
      ownersFor(ctx, owners),
    )
    if (i % 10 === 3) made.sp.accountEnabled = false
    nhiBackground(ctx, made.app!, made.sp, owners)
  }
  for (let i = 0; i < n.managed; i++) {
    const sp = w.managedIdentity(`mi-${rng.pick(['func', 'aks', 'vm', 'logic', 'adf'])}-prod-${i + 1}`)
    serviceAccountTicket(ctx, 'entra', sp.id, sp.displayName, rng.pick(owners))
  }
  for (let i = 0; i < n.oktaService; i++) {
    const app = w.oktaServiceApp(`svc-okta-${rng.pick(['scim', 'audit', 'hr', 'siem'])}-${i + 1}`)
    serviceAccountTicket(ctx, 'okta', app.id, app.label, rng.pick(oktaOwners))
  }
  for (let i = 0; i < n.tokens; i++) {
    const created = ctx.now - rng.range(5, 300) * DAY
    const t = w.apiToken(
      rng.pick(oktaOwners),
      `token-${rng.pick(['terraform', 'workflows', 'reporting'])}-${i + 1}`,
      created,
      ctx.now + rng.range(5, 30) * DAY,
    )
    serviceAccountTicket(ctx, 'okta', t.id, t.name, ctx.approvers.iamLead)
  }
}

/** Birthright memberships of an active account: they need no ticket. */
export function onboard(ctx: Ctx, pools: Pools, p: Person): void {
  if (p.entra?.accountEnabled && p.entra.userType === 'Member') {
    ctx.world.grant(p, pools.entra.allEmployees, 0)
    ctx.world.grant(p, pools.entra.dept.get(p.dept)!, 0)
  }
  if (p.okta && p.okta.status !== 'SUSPENDED' && p.okta.status !== 'DEPROVISIONED') {
    ctx.world.grant(p, pools.okta.allEmployees, 0)
    ctx.world.grant(p, pools.okta.dept.get(p.dept)!, 0)
  }
}

/** Requests covering `ents`, one ticket per chunk of three to seven that share who may approve them. */
export function requestAll(ctx: Ctx, p: Person, ents: Ent[], named?: Map<Ent, string>): void {
  const byClass = new Map<string, Ent[]>()
  for (const e of ents) {
    const k = `${e.source}|${requiredApprovers(e)?.join() ?? ''}`
    const list = byClass.get(k) ?? []
    byClass.set(k, list)
    list.push(e)
  }
  for (const list of byClass.values()) {
    for (let i = 0; i < list.length; ) {
      const size = ctx.rng.range(3, 7)
      const chunk = list.slice(i, i + size)
      i += size
      const expires = ctx.rng.chance(0.05) ? ctx.now + ctx.rng.range(10, 120) * DAY : null
      ctx.request(p, chunk, {
        state: ctx.rng.chance(0.08) ? 'approved' : 'fulfilled',
        expires,
        targets: named ? chunk.map((e) => named.get(e) ?? e.name) : undefined,
      })
    }
  }
}

export function backgroundAccess(ctx: Ctx, pools: Pools, people: Person[]): void {
  const rng = ctx.rng
  const { entra, okta } = pools
  const [emin, emax] = ctx.params.entraGrants
  const [omin, omax] = ctx.params.oktaGrants
  const randomAppRoles = entra.appRoles
  const allDepts = [...entra.resource.keys()]
  for (const p of people) {
    onboard(ctx, pools, p)
    const held = new Set<Ent>()
    const named = new Map<Ent, string>()
    const e = p.entra
    if (e?.accountEnabled && e.userType === 'Member') {
      const want = rng.range(emin, emax)
      const deptPool = entra.resource.get(p.dept)!
      while (held.size < want) {
        const r = rng.next()
        if (r < 0.55) held.add(rng.pick(deptPool))
        else if (r < 0.65) held.add(rng.pick(entra.resource.get(rng.pick(allDepts))!))
        else if (r < 0.85) held.add(rng.pick(randomAppRoles))
        else {
          const ag = rng.pick(entra.appGroups)
          if (held.has(ag.role)) continue
          held.add(ag.group)
          // The ticket names the app role the group carries: it covers the membership.
          if (rng.chance(0.3)) named.set(ag.group, ag.role.name)
        }
      }
      if (p.dept === 'Finance' && rng.chance(0.4)) {
        const r = rng.next()
        held.add(r < 0.25 ? entra.payroll.create : r < 0.5 ? entra.payrollCreators : entra.payroll.approve)
      }
      if (p.dept === 'Engineering' && rng.chance(0.15)) held.add(entra.github.owner)
      if (rng.chance(0.007)) held.add(rng.pick(entra.dirRoles))
    } else if (e?.accountEnabled && e.userType === 'Guest') {
      held.add(rng.pick(entra.resource.get(rng.pick(allDepts))!))
    }
    const o = p.okta
    if (o && o.status !== 'SUSPENDED' && o.status !== 'DEPROVISIONED') {
      const want = rng.range(omin, omax)
      const deptPool = okta.resource.get(p.dept)!
      let tries = 0
      const before = held.size
      while (held.size - before < want && tries++ < 50) {
        const r = rng.next()
        if (r < 0.5) held.add(rng.pick(deptPool))
        else if (r < 0.8) held.add(rng.pick(okta.apps))
        else {
          const ag = rng.pick(okta.appGroups)
          if (held.has(ag.app)) continue
          held.add(ag.group)
          if (rng.chance(0.3)) named.set(ag.group, ag.app.name)
        }
      }
      if ((p.dept === 'Operations' || p.dept === 'IT') && rng.chance(0.15)) held.add(okta.cab)
      if (rng.chance(0.005))
        held.add(
          ctx.world.oktaRole(rng.pick(['APP_ADMIN', 'HELP_DESK_ADMIN', 'READ_ONLY_ADMIN', 'USER_ADMIN'])),
        )
    }
    // An Okta app held directly must not also come through one of the person's groups (Okta lists one row).
    for (const ag of okta.appGroups) if (held.has(ag.group) && held.has(ag.app)) held.delete(ag.app)
    if (held.size) requestAll(ctx, p, [...held], named)
    noise(ctx, pools, p, held)
  }
}

/** Everyday tickets that change nothing: pending, rejected and cancelled requests, revokes already done. */
function noise(ctx: Ctx, pools: Pools, p: Person, held: Set<Ent>): void {
  const rng = ctx.rng
  // Guests are active people too: they get the everyday noise, not a leaver's revoke.
  const active =
    p.entra?.accountEnabled || (p.okta && !['SUSPENDED', 'DEPROVISIONED'].includes(p.okta.status))
  if (!active) {
    // Leavers: their access was removed on time, with a revoke ticket (never of something still held: that
    // would be ACC-003).
    const pool = pools.entra.resource.get(p.dept)!.filter((e) => !held.has(e))
    if (p.entra && pool.length)
      ctx.request(p, [rng.pick(pool)], { kind: 'revoke', created: ctx.pastTime(5, 60) })
    return
  }
  const notHeld = (): Ent | null => {
    const pool = p.entra?.accountEnabled
      ? pools.entra.resource.get(p.dept)!
      : pools.okta.resource.get(p.dept)!
    for (let i = 0; i < 5; i++) {
      const e = rng.pick(pool)
      if (!held.has(e)) return e
    }
    return null
  }
  const r = rng.next()
  const e = notHeld()
  if (!e) return
  if (r < 0.06)
    ctx.request(p, [e], { state: 'open', created: ctx.pastTime(0, 20), aclHidden: rng.chance(0.2) })
  else if (r < 0.09) ctx.request(p, [e], { state: 'rejected' })
  else if (r < 0.11) ctx.request(p, [e], { state: 'cancelled' })
  else if (r < 0.15) ctx.request(p, [e], { kind: 'revoke' })
  if (rng.chance(0.1) && p.entra) ctx.world.laptopRequest(p, ctx.pastTime())
}

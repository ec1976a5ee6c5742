import { DEPARTMENTS } from './catalog.ts'
import type { Ctx } from './context.ts'
import { onboard, type Pools, serviceAccountTicket } from './population.ts'
import { DAY, HOUR, MINUTE } from './time.ts'
import type { Ent, Person, PersonOptions } from './world.ts'

/**
 * Planted drift and look-alikes, following docs/rules.md. Every case uses people and non-human identities of
 * its own, so cases cannot interfere, and records exactly the findings accord must report (none for the
 * look-alikes). `plantAll` runs each case `unit` times, so every size keeps the same proportions.
 */

type Case = (ctx: Ctx, pools: Pools, i: number) => void

function fresh(ctx: Ctx, pools: Pools, o: Partial<PersonOptions> = {}): Person {
  const p = ctx.world.addPerson({
    dept: o.dept ?? ctx.rng.pick(DEPARTMENTS),
    okta: 'ACTIVE',
    ...o,
  })
  onboard(ctx, pools, p)
  return p
}

const deptGroup = (ctx: Ctx, pools: Pools, p: Person) => ctx.rng.pick(pools.entra.resource.get(p.dept)!)
const oktaGroup = (ctx: Ctx, pools: Pools, p: Person) => ctx.rng.pick(pools.okta.resource.get(p.dept)!)
/** App roles with no policy attached (not SoD sides, not restricted, not privileged). */
const plainRole = (ctx: Ctx, pools: Pools) =>
  ctx.rng.pick(pools.entra.appRoles.filter((r) => !/^(Payroll|Salesforce):/.test(r.name)))

export const CASES: Record<string, Case> = {
  // ---------------------------------------------------------------- ACC-001: no covering ticket
  'acc001-entra-group': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const g = deptGroup(ctx, pools, p)
    ctx.world.grant(p, g, 0)
    ctx.find('ACC-001', 'acc001-entra-group', p, g, null)
  },
  'acc001-entra-app-role': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const r = plainRole(ctx, pools)
    ctx.world.grant(p, r, ctx.pastTime())
    ctx.find('ACC-001', 'acc001-entra-app-role', p, r, null)
  },
  'acc001-directory-role': (ctx, pools) => {
    const p = fresh(ctx, pools, { okta: 'none' })
    const r = ctx.world.dirRole('Privileged Role Administrator')
    ctx.world.grant(p, r, ctx.pastTime())
    ctx.find('ACC-001', 'acc001-directory-role', p, r, null)
  },
  'acc001-okta-group-and-app': (ctx, pools) => {
    const p = fresh(ctx, pools, { entra: 'none' })
    const g = oktaGroup(ctx, pools, p)
    const a = ctx.rng.pick(pools.okta.apps)
    ctx.world.grant(p, g, 0)
    ctx.world.grant(p, a, ctx.pastTime())
    ctx.find('ACC-001', 'acc001-okta-group-and-app', p, g, null)
    ctx.find('ACC-001', 'acc001-okta-group-and-app', p, a, null)
  },
  'acc001-okta-admin-role': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const r = ctx.world.oktaRole('SUPER_ADMIN')
    ctx.world.grant(p, r, ctx.pastTime())
    ctx.find('ACC-001', 'acc001-okta-admin-role', p, r, null)
  },
  'acc001-guest': (ctx, pools) => {
    const p = fresh(ctx, pools, { entra: 'guest', okta: 'none' })
    const g = deptGroup(ctx, pools, p)
    ctx.world.grant(p, g, 0)
    ctx.find('ACC-001', 'acc001-guest', p, g, null)
  },

  // ---------------------------------------------------------------- ACC-011: disabled identity holding access
  'acc011-disabled-entra-user': (ctx, pools) => {
    const p = fresh(ctx, pools, { entraEnabled: false, okta: 'none' })
    const { allEmployees, dept } = pools.entra
    ctx.world.grant(p, allEmployees, 0)
    ctx.world.grant(p, dept.get(p.dept)!, 0)
    const g = deptGroup(ctx, pools, p)
    const r = plainRole(ctx, pools)
    ctx.request(p, [g, r], { created: ctx.pastTime(100, 300) })
    // A revoke that was never carried out: ACC-011 takes precedence over ACC-003.
    const g2 = ctx.rng.pick(pools.entra.resource.get(p.dept)!.filter((x) => x !== g))
    ctx.request(p, [g2], { created: ctx.now - 200 * DAY })
    ctx.request(p, [g2], { kind: 'revoke', created: ctx.now - 10 * DAY })
    for (const e of [allEmployees, dept.get(p.dept)!, g, r, g2])
      ctx.find('ACC-011', 'acc011-disabled-entra-user', p, e, null)
  },
  'acc011-disabled-admin': (ctx, pools) => {
    const p = fresh(ctx, pools, { entraEnabled: false, okta: 'none' })
    const role = ctx.world.dirRole('Global Administrator')
    ctx.request(p, [role])
    ctx.find('ACC-011', 'acc011-disabled-admin', p, role, null)
  },
  'acc011-okta-suspended': (ctx, pools) => {
    const p = fresh(ctx, pools, { entra: 'none', okta: 'SUSPENDED' })
    const { allEmployees, dept } = pools.okta
    ctx.world.grant(p, allEmployees, 0)
    ctx.world.grant(p, dept.get(p.dept)!, 0)
    const a = ctx.rng.pick(pools.okta.apps)
    ctx.request(p, [a])
    for (const e of [allEmployees, dept.get(p.dept)!, a])
      ctx.find('ACC-011', 'acc011-okta-suspended', p, e, null)
  },
  'acc011-okta-deprovisioned': (ctx, pools) => {
    const p = fresh(ctx, pools, { entra: 'none', okta: 'DEPROVISIONED' })
    const g = oktaGroup(ctx, pools, p)
    ctx.request(p, [g])
    ctx.find('ACC-011', 'acc011-okta-deprovisioned', p, g, null)
  },

  // ---------------------------------------------------------------- ACC-003: revoke not applied
  'acc003-entra-group': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const g = deptGroup(ctx, pools, p)
    ctx.request(p, [g], { created: ctx.now - 200 * DAY })
    const revoke = ctx.request(p, [g], {
      kind: 'revoke',
      created: ctx.now - 3 * DAY,
      closedAt: ctx.now - 2 * DAY,
    })
    ctx.find('ACC-003', 'acc003-entra-group', p, g, revoke)
  },
  'acc003-okta-app': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const a = ctx.rng.pick(pools.okta.apps)
    ctx.request(p, [a], { created: ctx.now - 150 * DAY, via: 'jira' })
    const revoke = ctx.request(p, [a], {
      kind: 'revoke',
      via: 'jira',
      created: ctx.now - 6 * DAY,
      closedAt: ctx.now - 5 * DAY,
    })
    ctx.find('ACC-003', 'acc003-okta-app', p, a, revoke)
  },
  'acc003-directory-role': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const r = ctx.world.dirRole('Exchange Administrator')
    ctx.request(p, [r], { created: ctx.now - 120 * DAY })
    const revoke = ctx.request(p, [r], {
      kind: 'revoke',
      created: ctx.now - 2 * DAY,
      closedAt: ctx.now - 30 * HOUR,
    })
    ctx.find('ACC-003', 'acc003-directory-role', p, r, revoke)
  },
  'lookalike-revoke-within-grace': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const g = deptGroup(ctx, pools, p)
    ctx.request(p, [g], { created: ctx.now - 90 * DAY })
    ctx.request(p, [g], { kind: 'revoke', created: ctx.now - 3 * HOUR, closedAt: ctx.now - 1 * HOUR })
  },
  'lookalike-regranted-after-revoke': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const g = deptGroup(ctx, pools, p)
    ctx.request(p, [g], { created: ctx.now - 300 * DAY })
    ctx.request(p, [g], { kind: 'revoke', created: ctx.now - 60 * DAY, closedAt: ctx.now - 59 * DAY })
    ctx.request(p, [g], { created: ctx.now - 30 * DAY, provision: false })
  },

  // ---------------------------------------------------------------- ACC-007: rejected or cancelled, yet granted
  'acc007-rejected-servicenow': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const g = deptGroup(ctx, pools, p)
    const t = ctx.request(p, [g], { via: 'servicenow', state: 'rejected' })
    ctx.world.grant(p, g, 0)
    ctx.find('ACC-007', 'acc007-rejected-servicenow', p, g, t)
  },
  'acc007-declined-jira': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const a = ctx.rng.pick(pools.okta.apps)
    const t = ctx.request(p, [a], { via: 'jira', state: 'rejected', created: ctx.now - 40 * DAY })
    ctx.world.grant(p, a, ctx.now - 38 * DAY)
    ctx.find('ACC-007', 'acc007-declined-jira', p, a, t)
  },
  'acc007-cancelled-admin': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const r = ctx.world.dirRole('Helpdesk Administrator')
    const t = ctx.request(p, [r], { via: 'servicenow', state: 'cancelled' })
    ctx.world.grant(p, r, ctx.now - 4 * DAY)
    ctx.find('ACC-007', 'acc007-cancelled-admin', p, r, t)
  },

  // ---------------------------------------------------------------- ACC-005: temporary access past its end
  'acc005-entra-group': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const g = deptGroup(ctx, pools, p)
    const t = ctx.request(p, [g], { created: ctx.now - 100 * DAY, expires: ctx.now - 10 * DAY })
    ctx.find('ACC-005', 'acc005-entra-group', p, g, t)
  },
  'acc005-okta-app': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const a = ctx.rng.pick(pools.okta.apps)
    const t = ctx.request(p, [a], { via: 'jira', created: ctx.now - 45 * DAY, expires: ctx.now - 3 * DAY })
    ctx.find('ACC-005', 'acc005-okta-app', p, a, t)
  },
  'lookalike-renewed-temporary-access': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const g = deptGroup(ctx, pools, p)
    ctx.request(p, [g], { created: ctx.now - 120 * DAY, expires: ctx.now - 20 * DAY })
    ctx.request(p, [g], { created: ctx.now - 25 * DAY, expires: ctx.now + 60 * DAY, provision: false })
  },

  // ---------------------------------------------------------------- ACC-004: beyond what was requested
  'acc004-payroll': (ctx, pools) => {
    const p = fresh(ctx, pools, { dept: 'Finance' })
    const { reader, approve } = pools.entra.payroll
    const t = ctx.request(p, [reader])
    ctx.world.grant(p, approve, ctx.pastTime())
    ctx.find('ACC-004', 'acc004-payroll', p, approve, t)
  },
  'acc004-salesforce-admin': (ctx, pools) => {
    const p = fresh(ctx, pools, { dept: 'Sales' })
    const { user, admin } = pools.entra.salesforce
    const t = ctx.request(p, [user])
    ctx.world.grant(p, admin, ctx.pastTime())
    ctx.find('ACC-004', 'acc004-salesforce-admin', p, admin, t)
  },
  'acc004-directory-role': (ctx, pools) => {
    const p = fresh(ctx, pools, { dept: 'Security' })
    const t = ctx.request(p, [ctx.world.dirRole('Security Reader')])
    const ga = ctx.world.dirRole('Global Administrator')
    ctx.world.grant(p, ga, ctx.pastTime())
    ctx.find('ACC-004', 'acc004-directory-role', p, ga, t)
  },

  // ---------------------------------------------------------------- ACC-006: provisioned before approval
  'acc006-entra-app-role': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const r = plainRole(ctx, pools)
    const created = ctx.pastTime(10, 200)
    const t = ctx.request(p, [r], {
      via: 'servicenow',
      created,
      grantedAt: created + HOUR,
      approvedAt: created + 3 * HOUR,
      closedAt: created + 4 * HOUR,
    })
    ctx.find('ACC-006', 'acc006-entra-app-role', p, r, t)
  },
  'acc006-okta-app': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const a = ctx.rng.pick(pools.okta.apps)
    const created = ctx.pastTime(10, 200)
    const t = ctx.request(p, [a], {
      via: 'jira',
      created,
      grantedAt: created + 20 * MINUTE,
      approvedAt: created + 2 * DAY,
      closedAt: created + 2 * DAY + HOUR,
    })
    ctx.find('ACC-006', 'acc006-okta-app', p, a, t)
  },
  'acc006-privileged-app-role': (ctx, pools) => {
    const p = fresh(ctx, pools, { dept: 'Sales' })
    const created = ctx.pastTime(10, 200)
    const t = ctx.request(p, [pools.entra.salesforce.admin], {
      created,
      grantedAt: created + 2 * HOUR,
      approvedAt: created + 5 * HOUR,
      closedAt: created + 6 * HOUR,
    })
    ctx.find('ACC-006', 'acc006-privileged-app-role', p, pools.entra.salesforce.admin, t)
  },
  'lookalike-approved-before-provisioning': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const r = plainRole(ctx, pools)
    const created = ctx.pastTime(10, 200)
    ctx.request(p, [r], { created, approvedAt: created + 2 * HOUR, grantedAt: created + 2 * HOUR + MINUTE })
  },

  // ---------------------------------------------------------------- ACC-002: approved, fulfilled, never applied
  'acc002-one-of-two-targets': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const [g1, g2] = ctx.rng.sample(pools.entra.resource.get(p.dept)!.slice(2), 2) as [Ent, Ent]
    const t = ctx.request(p, [g1, g2], { provision: false })
    ctx.world.grant(p, g1, 0)
    ctx.find('ACC-002', 'acc002-one-of-two-targets', p, g2, t)
  },
  'acc002-okta-app': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const a = ctx.rng.pick(pools.okta.apps)
    const t = ctx.request(p, [a], { via: 'jira', provision: false })
    ctx.find('ACC-002', 'acc002-okta-app', p, a, t)
  },
  'acc002-directory-role': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const r = ctx.world.dirRole('Billing Administrator')
    const t = ctx.request(p, [r], { provision: false })
    ctx.find('ACC-002', 'acc002-directory-role', p, r, t)
  },
  'lookalike-fulfilled-within-grace': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const g = deptGroup(ctx, pools, p)
    const created = ctx.now - 20 * HOUR
    ctx.request(p, [g], {
      created,
      approvedAt: created + HOUR,
      grantedAt: created + 2 * HOUR,
      closedAt: ctx.now - 2 * HOUR,
      provision: false,
    })
  },

  // ---------------------------------------------------------------- ACC-008: self-approval (and so ACC-001)
  // Self-approvals of unrestricted groups (a Finance-* group would add ACC-009: no authority either).
  'acc008-approved-by-beneficiary': (ctx, pools) => {
    const p = fresh(ctx, pools, { dept: 'Marketing' })
    const g = deptGroup(ctx, pools, p)
    const t = ctx.request(p, [g], { approvers: [p], requester: p })
    ctx.find('ACC-008', 'acc008-approved-by-beneficiary', p, null, t)
    ctx.find('ACC-001', 'acc008-approved-by-beneficiary', p, g, null)
  },
  'acc008-approved-by-requester': (ctx, pools) => {
    const p = fresh(ctx, pools, { dept: 'Sales' })
    const g = deptGroup(ctx, pools, p)
    const m = ctx.manager(p)
    const t = ctx.request(p, [g], { approvers: [m], requester: m })
    ctx.find('ACC-008', 'acc008-approved-by-requester', p, null, t)
    ctx.find('ACC-001', 'acc008-approved-by-requester', p, g, null)
  },
  'acc008-case-differs': (ctx, pools) => {
    const p = fresh(ctx, pools, { mixedCaseTicketEmail: true })
    const a = ctx.rng.pick(pools.okta.apps)
    const t = ctx.request(p, [a], { via: 'jira', beneficiary: { text: p.key }, approvers: [p], requester: p })
    ctx.find('ACC-008', 'acc008-case-differs', p, null, t)
    ctx.find('ACC-001', 'acc008-case-differs', p, a, null)
  },

  // ---------------------------------------------------------------- ACC-009: approver without authority
  'acc009-payroll-by-manager': (ctx, pools) => {
    const p = fresh(ctx, pools, { dept: 'Finance' })
    const create = pools.entra.payroll.create
    const t = ctx.request(p, [create], { approvers: [ctx.manager(p, ctx.helpdesk)], requester: p })
    ctx.find('ACC-009', 'acc009-payroll-by-manager', p, create, t)
    ctx.find('ACC-001', 'acc009-payroll-by-manager', p, create, null)
  },
  'acc009-directory-role-in-progress': (ctx, pools) => {
    const p = fresh(ctx, pools, { dept: 'IT' })
    const r = ctx.world.dirRole('User Administrator')
    const t = ctx.request(p, [r], {
      state: 'approved',
      approvers: [ctx.manager(p, ctx.helpdesk)],
      requester: p,
      provision: false,
    })
    ctx.find('ACC-009', 'acc009-directory-role-in-progress', p, r, t)
  },

  // ---------------------------------------------------------------- ACC-010: separation of duties
  'acc010-pay-and-approve': (ctx, pools) => {
    const p = fresh(ctx, pools, { dept: 'Finance' })
    const { create, approve } = pools.entra.payroll
    ctx.request(p, [create], { created: ctx.now - 200 * DAY })
    ctx.request(p, [approve], { created: ctx.now - 100 * DAY })
    ctx.find('ACC-010', 'acc010-pay-and-approve', p, approve, null)
  },
  'acc010-cross-source': (ctx, pools) => {
    const p = fresh(ctx, pools, { dept: 'Engineering' })
    ctx.request(p, [pools.entra.github.owner], { created: ctx.now - 150 * DAY })
    ctx.request(p, [pools.okta.cab], { created: ctx.now - 50 * DAY })
    ctx.find('ACC-010', 'acc010-cross-source', p, pools.okta.cab, null)
  },
  'acc010-inherited-side': (ctx, pools, i) => {
    // Payments-Create comes through a group the person is a direct member of; the group got the role 10 days
    // ago and the membership has no vendor time, so whichever time a reconciler takes for the inherited side
    // (the membership's first sighting or the group's assignment), it is later than the direct Approve.
    const p = fresh(ctx, pools, { dept: 'Finance' })
    const batch = ctx.world.entraGroup(`Finance-Payment-Batch-${i + 1}`)
    ctx.world.grantToGroup(batch, pools.entra.payroll.create, ctx.now - 10 * DAY)
    ctx.request(p, [pools.entra.payroll.approve], { created: ctx.now - 100 * DAY })
    ctx.request(p, [batch], { created: ctx.now - 60 * DAY })
    ctx.find('ACC-010', 'acc010-inherited-side', p, pools.entra.payroll.create, null)
  },
  'lookalike-app-role-not-reaching-nested-group': (ctx, pools) => {
    // Finance-Interns sits inside Finance-Payments-Creators, which holds Payroll:Payments-Create. The role
    // reaches the creators group's direct members only, so this person does not hold it: no SoD conflict.
    const p = fresh(ctx, pools, { dept: 'Finance' })
    ctx.request(p, [pools.entra.financeInterns])
    ctx.request(p, [pools.entra.payroll.approve])
  },

  // ---------------------------------------------------------------- ACC-012: unresolvable tickets
  'acc012-unknown-target': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const g = deptGroup(ctx, pools, p)
    const typo = `${g.name}x`
    const t = ctx.request(p, [g], { via: 'servicenow', targets: [g.name, typo] })
    ctx.find('ACC-012', 'acc012-unknown-target', p, { unresolved: true, source: 'entra', name: typo }, t)
  },
  'acc012-unknown-beneficiary': (ctx, pools, i) => {
    const requester = ctx.rng.pick(ctx.helpdesk)
    const g = ctx.rng.pick(pools.okta.resource.get(requester.dept)!)
    const t = ctx.request(requester, [g], {
      via: 'jira',
      state: 'open',
      beneficiary: { text: `former.contractor${i + 1}@contoso.com` },
      requester,
      provision: false,
    })
    ctx.find('ACC-012', 'acc012-unknown-beneficiary', null, g, t)
  },
  'acc012-ambiguous-target': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const t = ctx.request(p, [pools.entra.allEmployees], { via: 'servicenow', state: 'open', system: null })
    ctx.find(
      'ACC-012',
      'acc012-ambiguous-target',
      p,
      { unresolved: true, source: 'servicenow', name: 'All Employees' },
      t,
    )
  },

  // ---------------------------------------------------------------- look-alikes of coverage
  'lookalike-group-ticket-names-app-role': (ctx, pools) => {
    const p = fresh(ctx, pools)
    const ag = ctx.rng.pick(pools.entra.appGroups)
    ctx.request(p, [ag.group], { targets: [ag.role.name] })
    const og = ctx.rng.pick(pools.okta.appGroups)
    ctx.request(p, [og.group], { targets: [og.app.name] })
  },
  'lookalike-email-case-and-alias': (ctx, pools) => {
    const p = fresh(ctx, pools, { mixedCaseTicketEmail: true })
    ctx.request(p, [deptGroup(ctx, pools, p)], { via: 'servicenow' })
    ctx.request(p, [oktaGroup(ctx, pools, p)], { via: 'jira' })
  },
  'lookalike-baseline': (ctx, pools) => {
    const p = fresh(ctx, pools)
    ctx.world.grant(p, pools.entra.legacy, 0)
    ctx.baseline.push({ identity: p.key, name: pools.entra.legacy.name })
  },
  'lookalike-exception': (ctx, pools) => {
    const p = fresh(ctx, pools)
    ctx.world.grant(p, pools.entra.lab, 0)
  },

  // ---------------------------------------------------------------- non-human identities
  'nhi001-app-without-owner': (ctx, _pools, i) => {
    const { app, sp } = ctx.world.entraApp(`orphaned-export-${i + 1}`, [])
    ctx.world.credential(app!, 'secret', ctx.now - 20 * DAY, ctx.now + 300 * DAY, 'export')
    serviceAccountTicket(ctx, 'entra', sp.id, sp.displayName, ctx.approvers.iamLead)
    ctx.find('NHI-001', 'nhi001-app-without-owner', { nhi: `entra:${sp.id}` }, null, null)
  },
  'nhi001-managed-identity': (ctx, _pools, i) => {
    const sp = ctx.world.managedIdentity(`legacy-identity-${i + 1}`)
    serviceAccountTicket(ctx, 'entra', sp.id, sp.displayName, ctx.approvers.iamLead)
    ctx.find('NHI-001', 'nhi001-managed-identity', { nhi: `entra:${sp.id}` }, null, null)
  },
  'nhi001-okta-service-app': (ctx, _pools, i) => {
    const app = ctx.world.oktaServiceApp(`Reports Connector ${i + 1}`)
    serviceAccountTicket(ctx, 'okta', app.id, app.label, ctx.approvers.iamLead)
    ctx.find('NHI-001', 'nhi001-okta-service-app', { nhi: `okta:${app.id}` }, null, null)
  },
  'lookalike-nhi-owned-by-policy-and-app': (ctx, _pools, i) => {
    const sp = ctx.world.managedIdentity(`reporting-identity-${i + 1}`)
    ctx.nhiOwners[`entra:${sp.id}`] = [ctx.approvers.iamLead.key]
    serviceAccountTicket(ctx, 'entra', sp.id, sp.displayName, ctx.approvers.iamLead)
    const owner = ctx.managers.get('IT')![0]!
    const made = ctx.world.entraApp(`app-owned-only-${i + 1}`, [], { owners: [owner] })
    serviceAccountTicket(ctx, 'entra', made.sp.id, made.sp.displayName, owner)
  },
  'nhi002-app-without-ticket': (ctx, _pools, i) => {
    const { app, sp } = ctx.world.entraApp(`shadow-sync-${i + 1}`, [], { owners: [ctx.approvers.iamLead] })
    ctx.world.credential(app!, 'certificate', ctx.now - 40 * DAY, ctx.now + 300 * DAY, 'shadow')
    ctx.find('NHI-002', 'nhi002-app-without-ticket', { nhi: `entra:${sp.id}` }, null, null)
  },
  'nhi002-api-token-without-ticket': (ctx, _pools, i) => {
    const t = ctx.world.apiToken(
      ctx.approvers.iamLead,
      `token-adhoc-${i + 1}`,
      ctx.now - 15 * DAY,
      ctx.now + 15 * DAY,
    )
    ctx.find('NHI-002', 'nhi002-api-token-without-ticket', { nhi: `okta:${t.id}` }, null, null)
  },
  'nhi003-expired-secret': (ctx, _pools, i) => {
    const { app, sp } = ctx.world.entraApp(`billing-bridge-${i + 1}`, [], { owners: [ctx.approvers.iamLead] })
    const k = ctx.world.credential(app!, 'secret', ctx.now - 200 * DAY, ctx.now - 10 * DAY, 'old secret')
    serviceAccountTicket(ctx, 'entra', sp.id, sp.displayName, ctx.approvers.iamLead)
    ctx.find('NHI-003', 'nhi003-expired-secret', { nhi: `entra:${sp.id}` }, null, null, k)
  },
  'nhi003-old-certificate': (ctx, _pools, i) => {
    const made = ctx.world.entraApp(`ledger-feed-${i + 1}`, [], { spOwners: [ctx.approvers.iamLead] })
    const k = ctx.world.credential(made.sp, 'certificate', ctx.now - 500 * DAY, ctx.now + 200 * DAY, 'ledger')
    serviceAccountTicket(ctx, 'entra', made.sp.id, made.sp.displayName, ctx.approvers.iamLead)
    ctx.find('NHI-003', 'nhi003-old-certificate', { nhi: `entra:${made.sp.id}` }, null, null, k)
  },
  'nhi003-expired-api-token': (ctx, _pools, i) => {
    const t = ctx.world.apiToken(
      ctx.approvers.iamLead,
      `token-migration-${i + 1}`,
      ctx.now - 100 * DAY,
      ctx.now - 5 * DAY,
    )
    serviceAccountTicket(ctx, 'okta', t.id, t.name, ctx.approvers.ciso)
    ctx.find('NHI-003', 'nhi003-expired-api-token', { nhi: `okta:${t.id}` }, null, null, t.id)
  },
  'nhi001-002-orphan-runner': (ctx, _pools, i) => {
    const sp = ctx.world.managedIdentity(`legacy-runner-${i + 1}`)
    ctx.find('NHI-001', 'nhi001-002-orphan-runner', { nhi: `entra:${sp.id}` }, null, null)
    ctx.find('NHI-002', 'nhi001-002-orphan-runner', { nhi: `entra:${sp.id}` }, null, null)
  },
}

export function plantAll(ctx: Ctx, pools: Pools): void {
  for (let i = 0; i < ctx.params.unit; i++) for (const c of Object.values(CASES)) c(ctx, pools, i)
}

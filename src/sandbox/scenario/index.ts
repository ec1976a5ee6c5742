/**
 * The seeded sandbox scenario: a vendor-raw tenant (what the simulators serve), the ground-truth manifest of
 * every finding accord must report, what accord's connectors must store after a full sync (`intended`), and
 * the config and policy a run uses. Deterministic from `(seed, size)` and the scenario time. See README.md.
 */
import type { PolicyInput } from '../../config/policy.ts'
import type { FindingJson } from '../../model/findings-json.ts'
import type { SandboxTenant } from '../state.ts'
import { policyYaml, type SandboxConfigOptions, sandboxConfig } from './config.ts'
import { Ctx } from './context.ts'
import { type Intended, type IntendedOptions, intendedFor } from './intended.ts'
import { toManifestEntry } from './manifest.ts'
import { plantAll } from './plants.ts'
import { scenarioPolicy } from './policy.ts'
import { backgroundAccess, createEntitlements, createNhis, createPeople } from './population.ts'
import { Rng } from './random.ts'
import { type ScenarioSize, SIZES } from './sizes.ts'
import { World } from './world.ts'

export const DEFAULT_SCENARIO_NOW = '2026-11-29T12:00:00Z'

export interface ScenarioOptions {
  seed: number
  size: ScenarioSize
  /** The scenario time (ISO); accord runs against the tenant with ACCORD_NOW set to it. */
  now?: string
}

export interface ScenarioCounts {
  identities: number
  directGrants: number
  /** Direct grants held by identities (the rest are held by groups). */
  identityGrants: number
  tickets: number
  entitlements: number
  credentials: number
  findings: number
}

export interface Scenario {
  seed: number
  size: ScenarioSize
  now: string
  tenant: SandboxTenant
  /** Every finding accord must report as open (DESIGN section 11), `id` null. */
  manifest: FindingJson[]
  /** The policy the manifest assumes, as an object and as YAML. */
  policy: PolicyInput
  policyYaml: string
  /** What the connectors store after a full sync; computed from `tenant` on first access and kept. */
  readonly intended: Intended
  intendedFor(opts: IntendedOptions): Intended
  /** The accord.yaml for this tenant (Entra tenant and client id filled in). */
  config(opts: Omit<SandboxConfigOptions, 'entra'>): { config: Record<string, unknown>; yaml: string }
  counts: ScenarioCounts
  /** Milliseconds spent generating the tenant and manifest (not `intended`). */
  generationMs: number
}

export function generateScenario(opts: ScenarioOptions): Scenario {
  const started = performance.now()
  const params = SIZES[opts.size]
  if (!params)
    throw new Error(`unknown scenario size ${JSON.stringify(opts.size)}: expected small, medium or large`)
  if (!Number.isInteger(opts.seed)) throw new Error(`scenario seed must be an integer, got ${opts.seed}`)
  const nowIso = opts.now ?? DEFAULT_SCENARIO_NOW
  const now = Date.parse(nowIso)
  if (Number.isNaN(now)) throw new Error(`scenario time is not an ISO timestamp: ${JSON.stringify(nowIso)}`)
  const world = new World(new Rng(opts.seed), now, opts.seed, opts.size)
  const ctx = new Ctx(world, params)
  const people = createPeople(ctx)
  const owners = people.filter((p) => p.entra?.accountEnabled && p.entra.userType === 'Member')
  const oktaOwners = people.filter((p) => p.okta?.status === 'ACTIVE')
  const pools = createEntitlements(ctx, owners)
  createNhis(ctx, owners, oktaOwners)
  backgroundAccess(ctx, pools, people)
  plantAll(ctx, pools)
  world.finishOkta()
  const tenant = world.tenant
  const manifest = ctx.planted.map(toManifestEntry)
  const policy = scenarioPolicy({ baseline: ctx.baseline, nhiOwners: ctx.nhiOwners }, nowIso)
  const accordApp = tenant.graph.applications.find((a) => a.displayName === 'accord-connector')!
  const generationMs = performance.now() - started
  let intended: Intended | undefined
  return {
    seed: opts.seed,
    size: opts.size,
    now: tenant.now,
    tenant,
    manifest,
    policy,
    policyYaml: policyYaml(policy),
    get intended() {
      intended ??= intendedFor(tenant)
      return intended
    },
    intendedFor: (o) => intendedFor(tenant, o),
    config: (o) =>
      sandboxConfig({ ...o, entra: { tenantId: tenant.graph.tenantId, clientId: accordApp.appId } }),
    counts: countTenant(tenant, manifest.length),
    generationMs,
  }
}

/** Counts in accord's terms, straight from the raw tenant (no normalising pass). */
export function countTenant(t: SandboxTenant, findings: number): ScenarioCounts {
  const g = t.graph
  const o = t.okta
  const firstParty = new Set(
    g.servicePrincipals.filter((s) => s.appOwnerOrganizationId === g.microsoftTenantId).map((s) => s.id),
  )
  let memberGrants = 0
  let groupHeld = 0
  for (const list of Object.values(g.members)) {
    memberGrants += list.length
    for (const m of list) if (m.type === 'group') groupHeld++
  }
  let oktaMembers = 0
  for (const list of Object.values(o.groupMembers)) oktaMembers += list.length
  const appRole = g.appRoleAssignments.filter((a) => !firstParty.has(a.resourceId))
  const appRoleGroup = appRole.filter((a) => a.principalType === 'Group').length
  const oktaAppUsers = o.appUsers.filter((a) => a.scope === 'USER').length
  const directGrants =
    memberGrants +
    appRole.length +
    g.roleAssignments.length +
    oktaMembers +
    oktaAppUsers +
    o.appGroups.length +
    o.roles.length
  const serviceApps = o.apps.filter((a) => a.isApiServiceApp).length
  const sps = g.servicePrincipals.length - firstParty.size
  const roleTypes = new Set(o.roles.map((r) => r.type)).size
  const appRoles = g.servicePrincipals
    .filter((s) => !firstParty.has(s.id))
    .reduce((n, s) => n + s.appRoles.length, 0)
  let credentials = o.apiTokens.length
  const apps = new Map(g.applications.map((a) => [a.appId, a]))
  for (const sp of g.servicePrincipals) {
    if (firstParty.has(sp.id)) continue
    const app = apps.get(sp.appId)
    credentials += sp.passwordCredentials.length + sp.keyCredentials.length
    if (app) credentials += app.passwordCredentials.length + app.keyCredentials.length
  }
  return {
    identities: g.users.length + sps + o.users.length + serviceApps + o.apiTokens.length,
    directGrants,
    identityGrants: directGrants - groupHeld - appRoleGroup - o.appGroups.length,
    tickets: (t.servicenow.tables.sc_req_item?.length ?? 0) + t.jira.issues.length,
    entitlements:
      g.groups.length +
      appRoles +
      g.roleDefinitions.length +
      o.groups.length +
      (o.apps.length - serviceApps) +
      roleTypes,
    credentials,
    findings,
  }
}

export {
  SANDBOX_ACCOUNTS,
  type SandboxConfigOptions,
  type SandboxUrls,
  SECRET_FILES,
  sandboxConfig,
} from './config.ts'
export { type Intended, type IntendedOptions, intendedFor, type SourceIntended } from './intended.ts'
export type { ScenarioSize } from './sizes.ts'

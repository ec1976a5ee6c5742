/**
 * End to end against the sandbox's Okta simulator, with a tenant from the scenario generator: a full sync
 * stores exactly the generator's `intended` Okta records; after changes through the control handle an
 * incremental sync converges to the new intended state with far fewer requests; a killed run resumes; the OAuth
 * service app path works against the simulator's token endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectorConfig } from '../../../src/config/schema.ts'
import { OktaConfig } from '../../../src/connectors/okta/config.ts'
import { silentLogger } from '../../../src/core/logger.ts'
import { type OktaSimulator, startOktaSimulator } from '../../../src/sandbox/okta/index.ts'
import { generateScenario } from '../../../src/sandbox/scenario/index.ts'
import { intendedOkta } from '../../../src/sandbox/scenario/intended.ts'
import type { OktaTenant } from '../../../src/sandbox/state.ts'
import type { Db } from '../../../src/store/database.ts'
import { listCredentials } from '../../../src/store/repositories/credentials.ts'
import { listEntitlements } from '../../../src/store/repositories/entitlements.ts'
import { listGrants } from '../../../src/store/repositories/grants.ts'
import { listIdentities } from '../../../src/store/repositories/identities.ts'
import { runConnectorSync } from '../../../src/sync/run-connector.ts'
import { openTempPglite } from '../../helpers/store.ts'

/** A store opens slowly on a busy machine (PGlite compiles its WASM): these tests get two minutes. */
const SLOW = 120_000

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null)

/** The store's live Okta records in the intended's shape, as sorted lines: a diff names what differs. */
async function stored(db: Db) {
  const identities = (await listIdentities(db, 'okta'))
    .filter((i) => !i.removedAt)
    .map((i) =>
      JSON.stringify([
        i.externalId,
        i.kind,
        i.login,
        i.email,
        i.upn,
        i.displayName,
        i.status,
        i.owners,
        iso(i.createdAt),
      ]),
    )
  const entitlements = (await listEntitlements(db, 'okta'))
    .filter((e) => !e.removedAt)
    .map((e) => JSON.stringify([e.externalId, e.type, e.name, e.resource, e.privileged, e.owners]))
  const grants = (await listGrants(db, { source: 'okta' })).map((g) =>
    JSON.stringify([g.principalType, g.principalId, g.entitlementId, iso(g.grantedAt)]),
  )
  const credentials = (await listCredentials(db, 'okta'))
    .filter((c) => !c.removedAt)
    .map((c) =>
      JSON.stringify([c.identityId, c.keyId, c.type, c.displayName, iso(c.createdAt), iso(c.expiresAt)]),
    )
  return {
    identities: identities.sort(),
    entitlements: entitlements.sort(),
    grants: grants.sort(),
    credentials: credentials.sort(),
  }
}

function intended(tenant: OktaTenant) {
  const i = intendedOkta({ okta: tenant } as never)
  return {
    identities: i.identities
      .map((x) =>
        JSON.stringify([
          x.externalId,
          x.kind,
          x.login,
          x.email,
          x.upn,
          x.displayName,
          x.status,
          x.owners,
          iso(x.createdAt),
        ]),
      )
      .sort(),
    entitlements: i.entitlements
      .map((e) => JSON.stringify([e.externalId, e.type, e.name, e.resource, e.privileged, e.owners]))
      .sort(),
    grants: [
      ...new Set(
        i.grants.map((g) =>
          JSON.stringify([g.principalType, g.principalId, g.entitlementId, iso(g.grantedAt)]),
        ),
      ),
    ].sort(),
    credentials: i.credentials
      .map((c) =>
        JSON.stringify([c.identityId, c.keyId, c.type, c.displayName, iso(c.createdAt), iso(c.expiresAt)]),
      )
      .sort(),
  }
}

describe('okta connector against the sandbox simulator', () => {
  const scenario = generateScenario({ seed: 7, size: 'small' })
  let sim: OktaSimulator
  let config: ConnectorConfig
  let savedNow: string | undefined

  beforeAll(async () => {
    savedNow = process.env.ACCORD_NOW
    process.env.ACCORD_NOW = scenario.now
    sim = await startOktaSimulator(scenario.tenant.okta, { scenarioNow: scenario.now })
    config = OktaConfig.parse({
      id: 'okta',
      kind: 'okta',
      orgUrl: sim.url,
      auth: { type: 'ssws', token: sim.credentials.sswsTokens[0] },
      rateLimit: { concurrency: 4 },
    }) as ConnectorConfig
  })
  afterAll(async () => {
    await sim?.close()
    if (savedNow === undefined) delete process.env.ACCORD_NOW
    else process.env.ACCORD_NOW = savedNow
  }, SLOW)

  it(
    'full sync equals the intended records; changes converge incrementally with far fewer requests',
    async () => {
      const store = await openTempPglite()
      try {
        const started = performance.now()
        const full = await runConnectorSync(store.db, config, { logger: silentLogger() })
        console.log(
          `okta full sync of small: ${Math.round(performance.now() - started)} ms, ${full.stats.requests} requests`,
        )
        expect(full.error).toBeNull()
        const want = intended(scenario.tenant.okta)
        expect(want.identities.length).toBeGreaterThan(50)
        expect(await stored(store.db)).toEqual(want)

        // Changes through the control handle, as an admin would make them between two syncs.
        const t = scenario.tenant.okta
        // A department-sized group (not an everyone group), and an active user outside it.
        const [gid, members] = Object.entries(t.groupMembers)
          .filter(([, m]) => m.length > 1)
          .sort((a, b) => a[1].length - b[1].length)[0]!
        const outsider = t.users.find((u) => !members.includes(u.id) && u.status === 'ACTIVE')!
        const ops = sim.control as unknown as Record<string, (a: unknown) => unknown>
        ops.removeGroupMember!({ groupId: gid, userId: members[0] })
        ops.addGroupMember!({ groupId: gid, userId: outsider.id })
        const app = t.apps.find((a) => !a.isApiServiceApp)!
        const unassigned = t.users.find(
          (u) => !t.appUsers.some((x) => x.appId === app.id && x.userId === u.id),
        )!
        ops.assignAppUser!({ appId: app.id, userId: unassigned.id })
        // (The simulator logs no event for unassigning a group from an app, so only the assignment is exercised.)
        const freeGroup = t.groups.find(
          (g) => !t.appGroups.some((x) => x.appId === app.id && x.groupId === g.id),
        )!
        ops.assignAppGroup!({ appId: app.id, groupId: freeGroup.id })
        ops.suspendUser!({ userId: outsider.id })
        ops.assignRole!({ userId: unassigned.id, type: 'HELP_DESK_ADMIN', label: 'Help Desk Administrator' })
        if (t.apiTokens[0]) ops.revokeApiToken!({ id: t.apiTokens[0].id })

        const incStarted = performance.now()
        const inc = await runConnectorSync(store.db, config, { logger: silentLogger() })
        console.log(
          `okta incremental: ${Math.round(performance.now() - incStarted)} ms, ${inc.stats.requests} requests`,
        )
        expect(inc.error).toBeNull()
        expect(inc.streams.every((s) => s.mode === 'incremental')).toBe(true)
        expect(await stored(store.db)).toEqual(intended(t))
        // Far fewer: at most a quarter of the full run's requests.
        expect(inc.stats.requests).toBeLessThan(full.stats.requests / 4)
      } finally {
        await store.close()
      }
    },
    SLOW,
  )

  it(
    'a killed full run resumes and ends equal to the intended records',
    async () => {
      const store = await openTempPglite()
      try {
        const ac = new AbortController()
        const before = sim.simulator.counter.total
        const timer = setInterval(() => {
          if (sim.simulator.counter.total - before >= 25) ac.abort(new Error('killed'))
        }, 2)
        const killed = await runConnectorSync(store.db, config, { logger: silentLogger(), signal: ac.signal })
        clearInterval(timer)
        expect(killed.status).toBe('failed')
        const resumed = await runConnectorSync(store.db, config, { logger: silentLogger() })
        expect(resumed.error).toBeNull()
        expect(resumed.streams.find((s) => s.stream === 'groups')!.mode).toBe('full')
        expect(await stored(store.db)).toEqual(intended(scenario.tenant.okta))
      } finally {
        await store.close()
      }
    },
    SLOW,
  )

  it(
    'syncs through an OAuth service app with a private_key_jwt assertion',
    async () => {
      const store = await openTempPglite()
      try {
        const oauth = OktaConfig.parse({
          id: 'okta',
          kind: 'okta',
          orgUrl: sim.url,
          auth: {
            type: 'oauth',
            clientId: sim.credentials.serviceApps[0]!.clientId,
            privateKey: sim.serviceAppPrivateKey!,
          },
        }) as ConnectorConfig
        const out = await runConnectorSync(store.db, oauth, { logger: silentLogger(), full: true })
        expect(out.error).toBeNull()
        expect(await stored(store.db)).toEqual(intended(scenario.tenant.okta))
      } finally {
        await store.close()
      }
    },
    SLOW,
  )
  it(
    'converges to the intended records through injected faults (5xx, 429, resets, truncated bodies)',
    async () => {
      const faulty = await startOktaSimulator(structuredClone(scenario.tenant.okta), {
        scenarioNow: scenario.now,
        faults: '5xx=0.03,429=0.02,reset=0.02,truncate=0.02',
        faultSeed: 11,
      })
      const store = await openTempPglite()
      try {
        const cfg = OktaConfig.parse({
          id: 'okta',
          kind: 'okta',
          orgUrl: faulty.url,
          auth: { type: 'ssws', token: faulty.credentials.sswsTokens[0] },
        }) as ConnectorConfig
        // A run may still fail on an unlucky streak; each failure removes nothing and the next resumes.
        const outcomes: string[] = []
        const started = performance.now()
        for (let i = 0; i < 4 && outcomes.at(-1) !== 'succeeded'; i++) {
          const out = await runConnectorSync(store.db, cfg, { logger: silentLogger() })
          outcomes.push(out.status)
        }
        console.log(
          `okta through faults: runs ${outcomes.join(', ')} in ${Math.round(performance.now() - started)} ms`,
        )
        expect(outcomes.at(-1)).toBe('succeeded')
        expect(await stored(store.db)).toEqual(intended(scenario.tenant.okta))
        expect(faulty.simulator.counter.snapshot().byStatus['500'] ?? 0).toBeGreaterThan(0)
      } finally {
        await store.close()
        await faulty.close()
      }
    },
    SLOW,
  )

  it('check passes for the SSWS token and for the service app, with rate-limit headroom', async () => {
    const { checkOkta } = await import('../../../src/connectors/okta/check.ts')
    const ctx = { logger: silentLogger(), signal: new AbortController().signal }
    const ssws = await checkOkta(config as OktaConfig, ctx)
    expect(ssws.filter((i) => !i.ok)).toEqual([])
    const oauth = await checkOkta(
      OktaConfig.parse({
        id: 'okta',
        kind: 'okta',
        orgUrl: sim.url,
        auth: {
          type: 'oauth',
          clientId: sim.credentials.serviceApps[0]!.clientId,
          privateKey: sim.serviceAppPrivateKey!,
        },
      }),
      ctx,
    )
    expect(oauth.filter((i) => !i.ok)).toEqual([])
    expect(oauth.find((i) => i.name === 'okta credential')!.detail).toMatch(
      /got an access token with scopes .*okta\.users\.read/,
    )
    expect(oauth.find((i) => i.name === 'okta rate-limit headroom')!.detail).toMatch(/users \d+\/600/)
  })
})

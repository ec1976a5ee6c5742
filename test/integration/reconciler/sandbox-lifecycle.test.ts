import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Loaded, loadConfig, loadPolicyFor } from '../../../src/config/load.ts'
import type { Policy } from '../../../src/config/policy.ts'
import type { Config } from '../../../src/config/schema.ts'
import { silentLogger } from '../../../src/core/logger.ts'
import { comparisonKey, toFindingJson } from '../../../src/model/findings-json.ts'
import { reconcile } from '../../../src/reconciler/reconcile.ts'
import { writeSandboxFiles } from '../../../src/sandbox/files.ts'
import { type Sandbox, startSandbox } from '../../../src/sandbox/sandbox.ts'
import { generateScenario } from '../../../src/sandbox/scenario/index.ts'
import type { Store } from '../../../src/store/open.ts'
import { listFindingEvents } from '../../../src/store/repositories/finding-events.ts'
import { listFindings } from '../../../src/store/repositories/findings.ts'
import { runConnectorSync } from '../../../src/sync/run-connector.ts'
import { openTempPglite } from '../../helpers/store.ts'

/**
 * End to end through the vendor simulators: the four connectors sync the `small` sandbox, the reconciler's open
 * findings equal the manifest; then drift is removed and re-added through the control handles, and one source's
 * sync fails, as DESIGN section 8's lifecycle and section 5's completeness say.
 */
describe('lifecycle through the sandbox', { timeout: 240_000 }, () => {
  const scenario = generateScenario({ seed: 2, size: 'small' })
  let dir: string
  let sandbox: Sandbox
  let store: Store
  let config: Loaded<Config>
  let policy: Loaded<Policy>
  const logger = silentLogger()

  // Time moves a second per step: completeness orders runs by start time, and a frozen clock would tie them.
  let step = 0
  const tick = () => {
    process.env.ACCORD_NOW = new Date(Date.parse(scenario.now) + ++step * 1000).toISOString()
  }
  const syncAll = async (
    only?: string,
    override?: (c: Config['connectors'][number]) => Config['connectors'][number],
  ) => {
    for (const c of config.value.connectors) {
      if (only && c.id !== only) continue
      tick()
      await runConnectorSync(store.db, override ? override(c) : c, { logger })
    }
  }
  const run = () => reconcile(store.db, { config: config.value, policy: policy.value, logger })
  const open = async () => (await listFindings(store.db, { status: ['open'] })).map(toFindingJson)

  beforeAll(async () => {
    process.env.ACCORD_NOW = scenario.now
    dir = mkdtempSync(join(tmpdir(), 'accord-sbx-'))
    sandbox = await startSandbox(scenario.tenant, { faults: '' })
    writeSandboxFiles(dir, sandbox, scenario)
    config = loadConfig(join(dir, 'accord.yaml'))
    policy = loadPolicyFor(config)
    store = await openTempPglite()
  })
  afterAll(async () => {
    await store?.close()
    await sandbox?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('after syncing all four connectors the open findings equal the manifest', async () => {
    await syncAll()
    const s = await run()
    expect(s.heldBack).toMatchObject({ opening: 0, resolving: 0 })
    const found = (await open()).map(comparisonKey).sort()
    expect(found).toEqual(scenario.manifest.map(comparisonKey).sort())
  })

  it('resolves a drifting membership removed in Entra, and reopens it with the same id when it is re-added', async () => {
    const target = (await open()).find(
      (f) => f.rule === 'ACC-001' && f.entitlement?.source === 'entra' && f.entitlement.type === 'group',
    )!
    expect(target).toBeDefined()
    const user = scenario.tenant.graph.users.find(
      (u) => (u.mail ?? u.userPrincipalName).toLowerCase() === target.identity!.key,
    )!
    const args = { groupId: target.entitlement!.externalId!, memberId: user.id }
    expect(sandbox.control.graph.removeGroupMember(args)).toBe(true)
    await syncAll('entra')
    const s1 = await run()
    expect(s1.changes.resolved).toBe(1)
    expect((await listFindings(store.db, { status: ['resolved'] })).map((f) => f.id)).toEqual([target.id])
    expect(sandbox.control.graph.addGroupMember(args)).toBe(true)
    await syncAll('entra')
    const s2 = await run()
    expect(s2.changes.reopened).toBe(1)
    expect((await open()).some((f) => f.id === target.id)).toBe(true)
    expect((await listFindingEvents(store.db, target.id!)).map((e) => e.type)).toEqual([
      'opened',
      'resolved',
      'reopened',
    ])
  })

  it('a failed Okta sync resolves nothing and opens nothing from Okta', async () => {
    const before = new Set((await open()).map((f) => f.id))
    const okta = (await open()).find(
      (f) => f.rule === 'ACC-001' && f.entitlement?.source === 'okta' && f.entitlement.type === 'app',
    )!
    expect(okta).toBeDefined()
    const user = scenario.tenant.okta.users.find((u) => u.profile.email.toLowerCase() === okta.identity!.key)!
    sandbox.control.okta.unassignAppUser({ appId: okta.entitlement!.externalId!, userId: user.id })
    // Okta's credentials were revoked: its next sync fails.
    tick()
    const outcome = await runConnectorSync(
      store.db,
      {
        ...config.value.connectors.find((c) => c.id === 'okta')!,
        auth: { type: 'ssws', token: 'revoked' },
      } as Config['connectors'][number],
      { logger },
    )
    expect(outcome.status).toBe('failed')
    const s = await run()
    expect(s.changes.resolved).toBe(0)
    expect(s.changes.opened).toBe(0)
    expect(new Set((await open()).map((f) => f.id))).toEqual(before)
    expect(s.heldBack.incompleteStreams.join(' ')).toMatch(/okta/)
    // Okta recovers. A stream stays incomplete after a failure until its next full listing succeeds
    // (src/store/repositories/sync-runs.ts), so the recovery run is a full one: the removal is seen and resolves.
    tick()
    await runConnectorSync(store.db, config.value.connectors.find((c) => c.id === 'okta')!, {
      logger,
      full: true,
    })
    const after = await run()
    expect(after.changes.resolved).toBe(1)
    expect((await open()).some((f) => f.id === okta.id)).toBe(false)
  })
})

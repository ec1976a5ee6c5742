import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { createGraphClient } from '../../../../src/connectors/entra/client.ts'
import type { EntraRun } from '../../../../src/connectors/entra/streams/common.ts'
import { syncDirectoryRoles } from '../../../../src/connectors/entra/streams/directory-roles.ts'
import { silentLogger } from '../../../../src/core/logger.ts'
import { useHttpMock } from '../../../helpers/http-mock.ts'
import { entraConfig, GRAPH, mockToken, recordingContext } from './recording.ts'

const GA = '62e90394-69f5-4237-9190-012177145e10'
const UA = 'fe930be7-5e62-47db-91af-98c3a49a38b1'

function run(config = entraConfig()) {
  const { ctx, opened } = recordingContext(config)
  const graph = createGraphClient(ctx.config, silentLogger())
  const r: EntraRun = { ctx, graph, logger: ctx.logger, signal: ctx.signal }
  return { r, opened }
}

function mockRoles() {
  nock(GRAPH)
    .get('/v1.0/roleManagement/directory/roleDefinitions')
    .query(true)
    .reply(200, {
      value: [
        { id: GA, displayName: 'Global Administrator', templateId: GA, isBuiltIn: true },
        { id: UA, displayName: 'User Administrator', templateId: UA, isBuiltIn: true },
      ],
    })
    .get('/v1.0/roleManagement/directory/roleAssignments')
    .reply(200, {
      '@odata.nextLink': `${GRAPH}/v1.0/roleManagement/directory/roleAssignments?$skiptoken=2`,
      value: [{ id: 'ra1', principalId: 'u1', roleDefinitionId: GA, directoryScopeId: '/' }],
    })
    .get('/v1.0/roleManagement/directory/roleAssignments')
    .query({ $skiptoken: '2' })
    .reply(200, {
      value: [
        { id: 'ra2', principalId: 'u2', roleDefinitionId: UA, directoryScopeId: '/administrativeUnits/au1' },
      ],
    })
}

describe('src/connectors/entra/streams/directory-roles (nock)', () => {
  useHttpMock()

  it('role definitions are privileged entitlements; assignments are grants; a scoped one is its own entitlement', async () => {
    mockToken()
    mockRoles()
    const { r, opened } = run()
    await syncDirectoryRoles(r)
    const w = opened.get('directory_roles')!
    expect(w.all('entitlements').map((e) => [e.externalId, e.name, e.privileged])).toEqual([
      [GA, 'Global Administrator', true],
      [UA, 'User Administrator', true],
      [`${UA}@/administrativeUnits/au1`, 'User Administrator (/administrativeUnits/au1)', true],
    ])
    expect(w.all('grants').map((g) => [g.principalId, g.entitlementId])).toEqual([
      ['u1', GA],
      ['u2', `${UA}@/administrativeUnits/au1`],
    ])
    expect(w.completed).toBeDefined()
  })

  it('with pim, eligible assignments are grants of the role’s #eligible entitlement, with their creation time', async () => {
    mockToken()
    mockRoles()
    nock(GRAPH)
      .get('/v1.0/roleManagement/directory/roleEligibilitySchedules')
      .reply(200, {
        value: [
          {
            id: 'es1',
            principalId: 'u3',
            roleDefinitionId: GA,
            directoryScopeId: '/',
            status: 'Provisioned',
            createdDateTime: '2026-01-02T03:04:05Z',
          },
        ],
      })
    const { r, opened } = run(entraConfig({ pim: true }))
    await syncDirectoryRoles(r)
    const w = opened.get('directory_roles')!
    expect(w.all('entitlements').map((e) => e.externalId)).toContain(`${GA}#eligible`)
    expect(w.all('grants')).toContainEqual({
      principalType: 'identity',
      principalId: 'u3',
      entitlementId: `${GA}#eligible`,
      grantedAt: new Date('2026-01-02T03:04:05Z'),
    })
    // The last assignments page hands over to the eligibility listing, so a killed run resumes there.
    expect(w.batches.map((b) => b.checkpoint)).toContainEqual({
      eligible: `${GRAPH}/v1.0/roleManagement/directory/roleEligibilitySchedules`,
    })
  })
})

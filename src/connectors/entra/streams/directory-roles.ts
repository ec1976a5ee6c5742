import { odataPages } from '../../http/paging.ts'
import { type InvalidRecord, parseRecords } from '../../http/validate.ts'
import { RawRoleAssignment, RawRoleDefinition, RawRoleEligibility } from '../schema.ts'
import {
  type Entitlement,
  eligibleRoleEntitlement,
  roleAssignmentToGrant,
  roleDefinitionToEntitlement,
  roleEligibilityToGrant,
} from '../transform.ts'
import { cursorLink, type EntraRun, knownGroupIds, listedCursor, openListingStream } from './common.ts'

/**
 * Directory (admin) roles: every role definition as a privileged entitlement, and the role assignments as
 * grants (`/roleManagement/directory/roleAssignments`). A role scoped below the tenant (an administrative
 * unit, an app) is its own entitlement. Assignments do not say whether the principal is a group: the groups
 * stream, which runs first, does. With `pim`, eligible assignments (`roleEligibilitySchedules`, which needs
 * RoleEligibilitySchedule.Read.Directory) are grants of each role's `#eligible` entitlement.
 */
export async function syncDirectoryRoles(run: EntraRun): Promise<void> {
  const { http } = run.graph
  const source = run.ctx.config.id
  const started = listedCursor()
  const w = await openListingStream(run, 'directory_roles')
  if (!w) return
  const io = { stats: w.stats, signal: run.signal }

  const definitions = new Map<string, RawRoleDefinition>()
  const invalidDefs: InvalidRecord[] = []
  for await (const page of odataPages(http, '/roleManagement/directory/roleDefinitions', {
    ...io,
    params: { $select: 'id,displayName,templateId,isBuiltIn' },
  })) {
    const { records, invalid } = parseRecords(page.items, RawRoleDefinition)
    for (const d of records) definitions.set(d.id, d)
    invalidDefs.push(...invalid)
  }
  const pim = run.ctx.config.pim
  await w.write({
    entitlements: [...definitions.values()].flatMap((d) =>
      pim ? [roleDefinitionToEntitlement(d), eligibleRoleEntitlement(d)] : [roleDefinitionToEntitlement(d)],
    ),
    invalid: invalidDefs,
  })

  const eligibleFirst = http.url('/roleManagement/directory/roleEligibilitySchedules')
  const resumeEligible = (w.resumeFrom as { eligible?: unknown } | null)?.eligible
  const first = cursorLink(w.resumeFrom) ?? http.url('/roleManagement/directory/roleAssignments')
  const assignmentPages = typeof resumeEligible === 'string' ? [] : odataPages(http, first, io)
  for await (const page of assignmentPages) {
    const { records, invalid } = parseRecords(page.items, RawRoleAssignment)
    const groups = await knownGroupIds(run.ctx.db, source, [...new Set(records.map((a) => a.principalId))])
    const scoped = new Map<string, Entitlement>()
    for (const a of records) {
      const scope = a.directoryScopeId ?? '/'
      const d = definitions.get(a.roleDefinitionId)
      if (scope !== '/' && d) {
        const e = roleDefinitionToEntitlement(d, scope)
        scoped.set(e.externalId, e)
      }
      if (!d)
        invalid.push({
          id: a.id,
          reason: `roleDefinitionId ${a.roleDefinitionId} is not a listed role definition`,
        })
    }
    const grants = records
      .filter((a) => definitions.has(a.roleDefinitionId))
      .map((a) => roleAssignmentToGrant(a, groups.has(a.principalId)))
    await w.write({
      entitlements: [...scoped.values()],
      grants,
      invalid,
      checkpoint: page.nextLink ? { link: page.nextLink } : pim ? { eligible: eligibleFirst } : undefined,
    })
  }
  if (pim) {
    const from = typeof resumeEligible === 'string' ? resumeEligible : eligibleFirst
    for await (const page of odataPages(http, from, io)) {
      const { records, invalid } = parseRecords(page.items, RawRoleEligibility)
      const groups = await knownGroupIds(run.ctx.db, source, [...new Set(records.map((e) => e.principalId))])
      const scoped = new Map<string, Entitlement>()
      const known = records.filter((e) => {
        const d = definitions.get(e.roleDefinitionId)
        if (!d)
          invalid.push({
            id: e.id,
            reason: `roleDefinitionId ${e.roleDefinitionId} is not a listed role definition`,
          })
        else if (e.directoryScopeId && e.directoryScopeId !== '/') {
          const ent = eligibleRoleEntitlement(d, e.directoryScopeId)
          scoped.set(ent.externalId, ent)
        }
        return Boolean(d)
      })
      await w.write({
        entitlements: [...scoped.values()],
        grants: known.map((e) => roleEligibilityToGrant(e, groups.has(e.principalId))),
        invalid,
        checkpoint: page.nextLink ? { eligible: page.nextLink } : undefined,
      })
    }
  }
  await w.complete(started)
}

import { odataPages } from '../../http/paging.ts'
import { type InvalidRecord, parseRecords } from '../../http/validate.ts'
import { RawRoleAssignment, RawRoleDefinition } from '../schema.ts'
import { type Entitlement, roleAssignmentToGrant, roleDefinitionToEntitlement } from '../transform.ts'
import { cursorLink, type EntraRun, knownGroupIds, listedCursor, openListingStream } from './common.ts'

/**
 * Directory (admin) roles: every role definition as a privileged entitlement, and the role assignments as
 * grants (`/roleManagement/directory/roleAssignments`). A role scoped below the tenant (an administrative
 * unit, an app) is its own entitlement. Assignments do not say whether the principal is a group: the groups
 * stream, which runs first, does.
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
  await w.write({
    entitlements: [...definitions.values()].map((d) => roleDefinitionToEntitlement(d)),
    invalid: invalidDefs,
  })

  const first = cursorLink(w.resumeFrom) ?? http.url('/roleManagement/directory/roleAssignments')
  for await (const page of odataPages(http, first, io)) {
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
      checkpoint: page.nextLink ? { link: page.nextLink } : undefined,
    })
  }
  await w.complete(started)
}

import { entitlementsById } from '../../../store/repositories/entitlements.ts'
import { parseRecords } from '../../http/validate.ts'
import type { GrantKey, GrantScope, SyncBatch } from '../../types.ts'
import { GROUP_SELECT, RawGroup, RawRemoved } from '../schema.ts'
import { type Entitlement, type Grant, groupToEntitlement, memberPrincipal } from '../transform.ts'
import type { EntraRun } from './common.ts'
import { runDeltaStream } from './delta.ts'

/**
 * Groups and their direct memberships through `/groups/delta` with `members`: one stream, so a page's groups
 * and memberships commit together. A large group's members come over several pages (and a group may come
 * back): each page's members are upserted as they come, which merges them by key. A member `@removed` removes
 * that membership; a group `@removed` removes the group and every grant it held or conferred. In a full round,
 * memberships not seen are removed when the round completes.
 */
export function syncGroups(run: EntraRun): Promise<void> {
  const source = run.ctx.config.id
  return runDeltaStream(run, {
    name: 'groups',
    path: '/groups/delta',
    params: { $select: GROUP_SELECT.filter((p) => p !== 'id').join(',') },
    async toBatch(items, w) {
      const removedGroups: string[] = []
      const present: unknown[] = []
      for (const item of items) {
        const r = RawRemoved.safeParse(item)
        if (r.success) removedGroups.push(r.data.id)
        else present.push(item)
      }
      const { records, invalid } = parseRecords(present, RawGroup)
      const partial = records.filter((g) => g.displayName === undefined).map((g) => g.id)
      const previous =
        w.mode === 'incremental' ? await entitlementsById(run.ctx.db, source, partial) : new Map()
      const entitlements: Entitlement[] = []
      const grants: Grant[] = []
      const removedGrants: GrantKey[] = []
      for (const g of records) {
        const e = groupToEntitlement(g, previous.get(g.id))
        if (e) entitlements.push(e)
        else if (w.mode === 'full') invalid.push({ id: g.id, reason: 'displayName missing' })
        for (const m of g['members@delta'] ?? []) {
          const p = memberPrincipal(m)
          if (!p) continue
          if (m['@removed']) removedGrants.push({ ...p, entitlementId: g.id })
          else grants.push({ ...p, entitlementId: g.id, grantedAt: null })
        }
      }
      const batch: SyncBatch = { entitlements, grants, invalid }
      if (removedGroups.length || removedGrants.length) {
        batch.removed = { entitlements: removedGroups, grants: removedGrants }
        // A deleted group takes its memberships and its own memberships in other groups with it.
        batch.completeGrantScopes = removedGroups.flatMap((id): GrantScope[] => [
          { entitlementId: id },
          { principalType: 'group', principalId: id },
        ])
      }
      return batch
    },
  })
}

/**
 * Admin roles -> privileged `directory_role` entitlements and their assignments -> grants. The users that hold
 * any role come from `/api/v1/iam/assignees/users` (an envelope with `_links.next`, unlike Okta's other lists),
 * then each of them has its roles read: one roles call per admin, never one per user of the org.
 *
 * Admins are few, so every run lists them all and the listing is complete: an incremental run ends with a
 * scope covering the whole stream, which removes the assignments it no longer saw. A run is never resumed from
 * the middle (that would mix two runs' generations in one complete listing); it simply starts again.
 */

import { PayloadError } from '../../http/errors.ts'
import { parseRecords } from '../../http/validate.ts'
import type { SyncBatch } from '../../types.ts'
import { OktaRoleAssignedUsers, OktaRoleAssignment } from '../schema.ts'
import { roleEntitlement, roleGrant } from '../transform.ts'
import { eachConcurrent, type OktaRun, serialWriter } from './common.ts'

export async function syncRoles({ ctx, client }: OktaRun): Promise<void> {
  const w = await ctx.openStream('roles')
  const write = serialWriter(w)
  const stats = w.stats
  const signal = ctx.signal
  let next: string | undefined = client.http.url('/api/v1/iam/assignees/users', {
    limit: client.pageSize('roleAssignees'),
  })
  while (next) {
    const url: string = next
    const body = await client.http.getJson(url, OktaRoleAssignedUsers, { stats, signal })
    const href = body._links?.next?.href
    next = href ? client.http.resolveNext(href, url) : undefined
    if (next === url) next = undefined
    const batch: Required<Pick<SyncBatch, 'entitlements' | 'grants' | 'invalid'>> = {
      entitlements: [],
      grants: [],
      invalid: [],
    }
    await eachConcurrent(body.value, ctx.config.rateLimit.concurrency, signal, async (u) => {
      const res = await client.http.request(`/api/v1/users/${encodeURIComponent(u.id)}/roles`, {
        stats,
        signal,
      })
      if (!Array.isArray(res.data)) throw new PayloadError('malformed roles: expected a JSON array', res.url)
      const { records, invalid } = parseRecords(res.data, OktaRoleAssignment)
      for (const r of records) {
        batch.entitlements.push(roleEntitlement(r))
        batch.grants.push(roleGrant(u.id, r))
      }
      batch.invalid.push(...invalid.map((i) => ({ ...i, id: `${u.id}/${i.id}` })))
    })
    await write(batch)
  }
  // Everything the stream holds was just listed: grants of it not seen by this run are gone.
  await write({ completeGrantScopes: w.mode === 'incremental' ? [{}] : [] })
  await w.complete(null)
}

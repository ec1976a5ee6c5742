/**
 * Admin roles -> privileged `directory_role` entitlements and their assignments -> grants. The users that hold
 * any role come from `/api/v1/iam/assignees/users` (an envelope with `_links.next`, unlike Okta's other lists),
 * then each of them has its roles read: one roles call per admin, never one per user of the org.
 *
 * Full: every admin's roles. Incremental: the admin list again (a page or two), then the roles of the admins
 * that are new, and of those the System Log names in a privilege event since the last run; each such read is
 * complete for that user, so it removes the roles the user lost. Admins no longer listed lose every role. A
 * group privilege event (a role given to or taken from a group) makes the run read every admin's roles again.
 * The stream is small: a killed run starts again from the last completed run's log cursor rather than resuming.
 */
import { PayloadError } from '../../http/errors.ts'
import { parseRecords } from '../../http/validate.ts'
import type { SyncBatch } from '../../types.ts'
import { OktaRoleAssignedUsers, OktaRoleAssignment } from '../schema.ts'
import { roleEntitlement, roleGrant } from '../transform.ts'
import { bufferedWriter, eachConcurrent, type OktaRun } from './common.ts'
import { type LogCursor, pollLog, targetsOf } from './log.ts'

export const ROLE_LOG_EVENTS = [
  'user.account.privilege.grant',
  'user.account.privilege.revoke',
  'group.privilege.grant',
  'group.privilege.revoke',
] as const

interface RolesPosition {
  log?: LogCursor
  /** The admins the last run listed (a role through a group leaves no identity-held grant to find them by). */
  admins?: string[]
}

export async function syncRoles({ ctx, client, bufferRows }: OktaRun): Promise<void> {
  const w = await ctx.openStream('roles')
  const { write, complete } = bufferedWriter(w, bufferRows)
  const stats = w.stats
  const signal = ctx.signal
  const full = w.mode === 'full'
  const resumed = (w.resumeFrom ?? {}) as RolesPosition
  let log: LogCursor = full ? { since: ctx.now.toISOString() } : (resumed.log ?? {})

  // What the log says changed, read before the admin list so that nothing between the two is missed.
  const named = new Set<string>()
  let everyone = full || !resumed.log || !resumed.admins
  if (!full && resumed.log) {
    for await (const page of pollLog(client, log, ROLE_LOG_EVENTS, { stats, signal })) {
      for (const e of page.events) {
        if (e.eventType.startsWith('group.')) everyone = true
        for (const u of targetsOf(e, 'User')) named.add(u)
      }
      log = page.cursor
    }
  }

  const admins: string[] = []
  let next: string | undefined = client.http.url('/api/v1/iam/assignees/users', {
    limit: client.pageSize('roleAssignees'),
  })
  while (next) {
    const url: string = next
    const body = await client.http.getJson(url, OktaRoleAssignedUsers, { stats, signal })
    const href = body._links?.next?.href
    next = href ? client.http.resolveNext(href, url) : undefined
    if (next === url) next = undefined
    for (const u of body.value) admins.push(u.id)
  }

  let toRead = admins
  if (!everyone) {
    const before = new Set(resumed.admins)
    const now = new Set(admins)
    toRead = admins.filter((u) => !before.has(u) || named.has(u))
    const gone = [...before].filter((u) => !now.has(u))
    if (gone.length) {
      // No longer an admin: an empty, complete listing of the user's roles.
      await write({
        completeGrantScopes: gone.map((principalId) => ({ principalType: 'identity', principalId })),
      })
    }
  }

  for (let i = 0; i < toRead.length; i += 100) {
    const chunk = toRead.slice(i, i + 100)
    const batch: Required<Pick<SyncBatch, 'entitlements' | 'grants' | 'invalid' | 'completeGrantScopes'>> = {
      entitlements: [],
      grants: [],
      invalid: [],
      completeGrantScopes: [],
    }
    await eachConcurrent(chunk, ctx.config.rateLimit.concurrency, signal, async (userId) => {
      const res = await client.http.request(`/api/v1/users/${encodeURIComponent(userId)}/roles`, {
        stats,
        signal,
      })
      if (!Array.isArray(res.data)) throw new PayloadError('malformed roles: expected a JSON array', res.url)
      const { records, invalid } = parseRecords(res.data, OktaRoleAssignment)
      for (const r of records) {
        batch.entitlements.push(roleEntitlement(r))
        batch.grants.push(roleGrant(userId, r))
      }
      batch.invalid.push(...invalid.map((x) => ({ ...x, id: `${userId}/${x.id}` })))
      if (!full) batch.completeGrantScopes.push({ principalType: 'identity', principalId: userId })
    })
    await write(batch)
  }
  // Every admin was read again: grants of the stream this run did not see (group-held ones too) are gone.
  if (!full && everyone) await write({ completeGrantScopes: [{}] })
  await complete({ log, admins } satisfies RolesPosition)
}

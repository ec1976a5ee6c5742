/**
 * Groups -> `group` entitlements, and their memberships -> grants. Okta groups do not nest.
 *
 * Full: every group, and every group's members (`/groups/{id}/users`), several groups at once.
 * Incremental: first the groups whose `lastUpdated` or `lastMembershipUpdated` moved since the watermark; a
 * group whose membership moved is re-listed whole, and that complete listing removes the members it no longer
 * has (`completeGrantScopes`). Then the System Log's membership events since the last run, except for the
 * groups just listed whole (the listing has the last word); a group that Okta deleted loses its memberships.
 *
 * Checkpoints: the groups page being worked on and the groups of it already finished; a killed run starts that
 * page again and skips the finished groups (a group cut off mid-listing is listed again from its start).
 */

import { parseRecords } from '../../http/validate.ts'
import type { GrantKey, SyncBatch } from '../../types.ts'
import { OktaGroup, OktaGroupMember } from '../schema.ts'
import { groupEntitlement, membershipGrant } from '../transform.ts'
import { bufferedWriter, eachConcurrent, laterOf, type OktaRun, sinceWatermark } from './common.ts'
import { type LogCursor, pollLog, succeeded, targetsOf } from './log.ts'

export const GROUP_LOG_EVENTS = [
  'group.user_membership.add',
  'group.user_membership.remove',
  'group.lifecycle.delete',
] as const

interface GroupsPosition {
  phase?: 'log' | 'list'
  log?: LogCursor
  /** The groups page being worked on (absent: the first; null: the listing is done). */
  page?: string | null
  /** Groups of that page whose members are all written. */
  done?: string[]
  /** Incremental: the lower bound of this run's `lastUpdated`/`lastMembershipUpdated` filter. */
  since?: string
  /** Highest `lastUpdated`/`lastMembershipUpdated` seen. */
  watermark?: string
  /** Incremental: groups listed whole in this run (their log events are superseded). */
  relisted?: string[]
  /**
   * Groups listed whole whose `lastMembershipUpdated` falls inside the overlap window, with that value: the
   * overlap brings them back next run, and an unchanged value means there is nothing new to list.
   */
  recent?: Record<string, string>
}

export async function syncGroups(run: OktaRun): Promise<void> {
  const { ctx, client } = run
  const w = await ctx.openStream('groups')
  const { write, complete } = bufferedWriter(w, run.bufferRows)
  const full = w.mode === 'full'
  const resumed = (w.resumeFrom ?? {}) as GroupsPosition
  let pos: GroupsPosition
  if (full) {
    // The log is read from where this full listing started, so nothing that changes during it is missed.
    pos = { phase: 'list', log: { since: ctx.now.toISOString() }, ...resumed }
  } else if (resumed.phase) {
    pos = resumed
  } else {
    pos = {
      phase: 'list',
      log: resumed.log ?? {},
      watermark: resumed.watermark,
      recent: resumed.recent,
      since: resumed.watermark ? sinceWatermark(resumed.watermark) : undefined,
      relisted: [],
    }
  }
  const stats = w.stats
  const signal = ctx.signal

  const since = full ? undefined : pos.since
  let start: string | undefined
  let params: Record<string, string | number> | undefined
  if (pos.page === null || pos.phase === 'log') {
    start = undefined
  } else if (pos.page) {
    start = pos.page
  } else {
    start = '/api/v1/groups'
    params = { limit: client.pageSize('groups') }
    if (since) params.filter = `lastUpdated gt "${since}" or lastMembershipUpdated gt "${since}"`
  }
  const concurrency = ctx.config.rateLimit.concurrency
  const listedBefore = new Map(Object.entries(pos.recent ?? {}))
  const recent = new Map(listedBefore)
  const needsListing = (g: OktaGroup) =>
    !since ||
    (Date.parse(g.lastMembershipUpdated) > Date.parse(since) &&
      listedBefore.get(g.id) !== g.lastMembershipUpdated)
  if (start) {
    for await (const page of client.pages(start, { params, stats, signal })) {
      const { records: groups, invalid } = parseRecords(page.items, OktaGroup)
      const done = new Set(pos.page === page.url ? (pos.done ?? []) : [])
      for (const g of groups)
        pos.watermark = laterOf(laterOf(pos.watermark, g.lastUpdated), g.lastMembershipUpdated)
      // Only groups inside the overlap window of the watermark are worth remembering; it only moves forward.
      pruneRecent(recent, pos.watermark)
      pos = { ...pos, page: page.url, done: [...done], recent: Object.fromEntries(recent) }
      await write({ entitlements: groups.map(groupEntitlement), invalid, checkpoint: pos })
      const toList = groups.filter((g) => !done.has(g.id) && needsListing(g))
      await eachConcurrent(toList, concurrency, signal, async (g) => {
        const members = client.pages(`/api/v1/groups/${encodeURIComponent(g.id)}/users`, {
          params: { limit: client.pageSize('groupUsers') },
          stats,
          signal,
        })
        for await (const mp of members) {
          const { records, invalid: bad } = parseRecords(mp.items, OktaGroupMember)
          const batch: SyncBatch = { grants: records.map((m) => membershipGrant(g.id, m.id)), invalid: bad }
          if (!mp.next) {
            // The group's whole member list is written with this batch: members it no longer has are gone.
            // (A full listing removes them when it completes; only a re-listing needs the scope.)
            done.add(g.id)
            recent.set(g.id, g.lastMembershipUpdated)
            pruneRecent(recent, pos.watermark)
            pos.recent = Object.fromEntries(recent)
            if (!full) pos.relisted = [...(pos.relisted ?? []), g.id]
            if (!full) batch.completeGrantScopes = [{ principalType: 'identity', entitlementId: g.id }]
            batch.checkpoint = { ...pos, done: [...done] }
          }
          await write(batch)
        }
      })
      pos = { ...pos, page: page.next ?? null, done: [] }
      await write({ checkpoint: pos })
    }
  }
  if (!full) {
    // The log after the listing: a group listed whole just now has the last word, so its events are skipped;
    // events of other groups are newer than the filter query that left those groups out.
    if (pos.phase !== 'log') {
      pos = { ...pos, phase: 'log', page: undefined, done: undefined }
      await write({ checkpoint: pos })
    }
    const relisted = new Set(pos.relisted ?? [])
    const addedThisRun = new Map<string, Set<string>>()
    for await (const page of pollLog(client, pos.log ?? {}, GROUP_LOG_EVENTS, { stats, signal })) {
      const batch = membershipChanges(page.events, relisted, addedThisRun)
      pos = { ...pos, log: page.cursor }
      await write({ ...batch, invalid: page.invalid, checkpoint: pos })
    }
  }
  await complete({
    log: pos.log,
    watermark: pos.watermark,
    recent: Object.fromEntries(pruneRecent(recent, pos.watermark)),
  } satisfies GroupsPosition)
}

/**
 * Keeps the entries of `recent` that the next run's overlap window will bring back, so the map (and every
 * checkpoint that carries it) stays a handful of groups however many a full listing reads.
 */
function pruneRecent(recent: Map<string, string>, watermark: string | undefined): Map<string, string> {
  if (!watermark) return recent
  const from = Date.parse(sinceWatermark(watermark))
  for (const [id, at] of recent) if (Date.parse(at) <= from) recent.delete(id)
  return recent
}

/**
 * The net effect of a page of membership events, in order: the last event for a (user, group) wins; a
 * deleted group loses every membership (a complete listing of nothing).
 */
function membershipChanges(
  events: Parameters<typeof targetsOf>[0][],
  relisted: ReadonlySet<string>,
  addedThisRun: Map<string, Set<string>>,
): SyncBatch {
  const state = new Map<string, { groupId: string; userId: string; present: boolean }>()
  const deleted = new Set<string>()
  for (const e of events) {
    if (!succeeded(e)) continue
    const groups = targetsOf(e, 'UserGroup')
    if (e.eventType === 'group.lifecycle.delete') {
      for (const gid of groups) {
        deleted.add(gid)
        for (const [k, v] of state) if (v.groupId === gid) state.delete(k)
      }
      continue
    }
    const present = e.eventType === 'group.user_membership.add'
    for (const gid of groups) {
      if (relisted.has(gid)) continue
      for (const uid of targetsOf(e, 'User'))
        state.set(`${gid}|${uid}`, { groupId: gid, userId: uid, present })
    }
  }
  const grants = []
  const removed: GrantKey[] = []
  for (const { groupId, userId, present } of state.values()) {
    if (present) {
      grants.push(membershipGrant(groupId, userId))
      const s = addedThisRun.get(groupId) ?? new Set<string>()
      s.add(userId)
      addedThisRun.set(groupId, s)
    } else {
      removed.push({ principalType: 'identity', principalId: userId, entitlementId: groupId })
    }
  }
  for (const gid of deleted) {
    // Grants this run wrote carry its generation, which the scope removal spares: remove them by key.
    for (const uid of addedThisRun.get(gid) ?? []) {
      removed.push({ principalType: 'identity', principalId: uid, entitlementId: gid })
    }
    addedThisRun.delete(gid)
  }
  return {
    grants,
    removed: { grants: removed, entitlements: [...deleted] },
    completeGrantScopes: [...deleted].map((gid) => ({
      principalType: 'identity' as const,
      entitlementId: gid,
    })),
  }
}

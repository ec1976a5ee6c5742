/**
 * Apps -> `app` entitlements (API service apps -> `service` identities instead); app assignments -> grants: to a
 * user (`/apps/{id}/users`, scope USER; GROUP-scoped rows are what a group assignment confers, not grants of
 * their own) and to a group (`/apps/{id}/groups`, held by the group).
 *
 * Full: every app and both assignment lists of every app. Incremental: every app (a few pages), then the System
 * Log's assignment events since the last run; the apps they name have the list that changed re-listed whole,
 * which removes what is no longer assigned. The apps still to re-list are kept in the checkpoint with the log
 * cursor, so a killed run does not lose them once the log has moved on.
 */

import { parseRecords } from '../../http/validate.ts'
import type { SyncBatch } from '../../types.ts'
import { OktaApp, OktaAppGroup, OktaAppUser } from '../schema.ts'
import {
  appEntitlement,
  appGroupGrant,
  appUserGrant,
  isApiServiceApp,
  serviceAppIdentity,
} from '../transform.ts'
import { bufferedWriter, eachConcurrent, type OktaRun } from './common.ts'
import { type LogCursor, pollLog, succeeded, targetsOf } from './log.ts'

export const APP_LOG_EVENTS = [
  'application.user_membership.add',
  'application.user_membership.remove',
  'group.application_assignment.add',
  'group.application_assignment.remove',
  'group.application_assignment.update',
  // The same assignment of a group to an app as some orgs and the sandbox name it.
  'application.group_membership.add',
  'application.group_membership.remove',
  'application.lifecycle.delete',
] as const

interface Pending {
  appId: string
  users: boolean
  groups: boolean
}

interface AppsPosition {
  phase?: 'apps' | 'log' | 'relist'
  page?: string | null
  /** Apps of the current page whose assignments are all written (full runs). */
  done?: string[]
  log?: LogCursor
  /** Apps whose assignments the log says changed, still to re-list. */
  pending?: Pending[]
}

export async function syncApps(run: OktaRun): Promise<void> {
  const { ctx, client } = run
  const w = await ctx.openStream('apps')
  const { write, complete } = bufferedWriter(w, run.bufferRows)
  const full = w.mode === 'full'
  const resumed = (w.resumeFrom ?? {}) as AppsPosition
  let pos: AppsPosition = resumed.phase
    ? resumed
    : { phase: 'apps', log: full ? { since: ctx.now.toISOString() } : (resumed.log ?? {}) }
  const stats = w.stats
  const signal = ctx.signal
  const concurrency = ctx.config.rateLimit.concurrency

  /** Writes an app's user and/or group assignments, each list whole; `last` goes with the final batch. */
  const listAssignments = async (p: Pending, last: () => Partial<SyncBatch>) => {
    const id = encodeURIComponent(p.appId)
    if (p.users) {
      const pages = client.pages(`/api/v1/apps/${id}/users`, {
        params: { limit: client.pageSize('appUsers') },
        stats,
        signal,
      })
      for await (const page of pages) {
        const { records, invalid } = parseRecords(page.items, OktaAppUser)
        const grants = records.flatMap((u) => appUserGrant(p.appId, u) ?? [])
        const batch: SyncBatch = { grants, invalid }
        if (!page.next) {
          if (!full) batch.completeGrantScopes = [{ principalType: 'identity', entitlementId: p.appId }]
          if (!p.groups) Object.assign(batch, last())
        }
        await write(batch)
      }
    }
    if (p.groups) {
      const pages = client.pages(`/api/v1/apps/${id}/groups`, {
        params: { limit: client.pageSize('appGroups') },
        stats,
        signal,
      })
      for await (const page of pages) {
        const { records, invalid } = parseRecords(page.items, OktaAppGroup)
        const batch: SyncBatch = { grants: records.map((g) => appGroupGrant(p.appId, g)), invalid }
        if (!page.next) {
          if (!full) batch.completeGrantScopes = [{ principalType: 'group', entitlementId: p.appId }]
          Object.assign(batch, last())
        }
        await write(batch)
      }
    }
  }

  if (pos.phase === 'apps') {
    if (pos.page !== null) {
      const start = pos.page ?? '/api/v1/apps'
      const params = pos.page ? undefined : { limit: client.pageSize('apps') }
      for await (const page of client.pages(start, { params, stats, signal })) {
        const { records: apps, invalid } = parseRecords(page.items, OktaApp)
        const done = new Set(pos.page === page.url ? (pos.done ?? []) : [])
        pos = { ...pos, page: page.url, done: [...done] }
        await write({
          // An API service app is a machine, not something people are assigned: an identity only.
          entitlements: apps.filter((a) => !isApiServiceApp(a)).map(appEntitlement),
          identities: apps.filter(isApiServiceApp).map(serviceAppIdentity),
          invalid,
          checkpoint: pos,
        })
        if (full) {
          const todo = apps.filter((a) => !done.has(a.id) && !isApiServiceApp(a))
          await eachConcurrent(todo, concurrency, signal, (a) =>
            listAssignments({ appId: a.id, users: true, groups: true }, () => {
              done.add(a.id)
              return { checkpoint: { ...pos, done: [...done] } }
            }),
          )
        }
        pos = { ...pos, page: page.next ?? null, done: [] }
        await write({ checkpoint: pos })
      }
    }
    if (full) {
      await complete({ log: pos.log } satisfies AppsPosition)
      return
    }
    pos = { phase: 'log', log: pos.log, pending: [] }
  }

  if (pos.phase === 'log') {
    const pending = new Map((pos.pending ?? []).map((p) => [p.appId, p]))
    for await (const page of pollLog(client, pos.log ?? {}, APP_LOG_EVENTS, { stats, signal })) {
      const deleted = new Set<string>()
      for (const e of page.events) {
        if (!succeeded(e)) continue
        for (const appId of targetsOf(e, 'AppInstance')) {
          if (e.eventType === 'application.lifecycle.delete') {
            deleted.add(appId)
            pending.delete(appId)
            continue
          }
          const p = pending.get(appId) ?? { appId, users: false, groups: false }
          if (e.eventType.startsWith('group.') || e.eventType.startsWith('application.group_membership.')) {
            p.groups = true
          } else p.users = true
          pending.set(appId, p)
        }
      }
      pos = { phase: 'log', log: page.cursor, pending: [...pending.values()] }
      const gone = [...deleted]
      await write({
        removed: { entitlements: gone, identities: gone },
        completeGrantScopes: gone.map((entitlementId) => ({ entitlementId })),
        invalid: page.invalid,
        checkpoint: pos,
      })
    }
    pos = { phase: 'relist', log: pos.log, pending: pos.pending ?? [] }
  }

  if (pos.phase === 'relist') {
    const remaining = new Map((pos.pending ?? []).map((p) => [p.appId, p]))
    await eachConcurrent([...remaining.values()], concurrency, signal, (p) =>
      listAssignments(p, () => {
        remaining.delete(p.appId)
        return { checkpoint: { ...pos, pending: [...remaining.values()] } }
      }),
    )
  }
  await complete({ log: pos.log } satisfies AppsPosition)
}

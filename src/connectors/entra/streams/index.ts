import type { StreamSpec, SyncContext } from '../../types.ts'
import { createGraphClient } from '../client.ts'
import type { EntraConfig } from '../config.ts'
import { syncAppRoles } from './app-roles.ts'
import type { EntraRun } from './common.ts'
import { syncDirectoryRoles } from './directory-roles.ts'
import { syncGroups } from './groups.ts'
import { syncServicePrincipals } from './service-principals.ts'
import { syncUsers } from './users.ts'

/** The Entra streams and the tables each writes (a complete full listing removes what it did not see there). */
export const ENTRA_STREAMS: readonly StreamSpec[] = [
  { name: 'users', tables: ['identities'] },
  { name: 'groups', tables: ['entitlements', 'grants'] },
  { name: 'service_principals', tables: ['identities', 'credentials'] },
  { name: 'app_roles', tables: ['entitlements', 'grants'] },
  { name: 'directory_roles', tables: ['entitlements', 'grants'] },
]

const RUNNERS: Record<string, (run: EntraRun) => Promise<void>> = {
  users: syncUsers,
  groups: syncGroups,
  service_principals: syncServicePrincipals,
  app_roles: syncAppRoles,
  directory_roles: syncDirectoryRoles,
}

/**
 * One Entra sync. Streams run in three lanes at once (the store and Graph overlap): users; groups then directory
 * roles (which look groups up); service principals then app roles. A failed stream does not stop the others; it
 * stays incomplete, removes nothing, and the run fails naming it. An abort stops every lane.
 */
export async function syncEntra(ctx: SyncContext<EntraConfig>): Promise<void> {
  const graph = createGraphClient(ctx.config, ctx.logger)
  const run: EntraRun = { ctx, graph, logger: ctx.logger, signal: ctx.signal }
  const failures: string[] = []
  const stream = async (name: string) => {
    ctx.signal.throwIfAborted()
    try {
      await RUNNERS[name]!(run)
    } catch (e) {
      if (ctx.signal.aborted) throw e
      const message = e instanceof Error ? e.message : String(e)
      ctx.logger.error(
        { stream: name, error: message },
        'stream failed; it stays incomplete and removes nothing',
      )
      failures.push(`${name}: ${message}`)
    }
  }
  try {
    // One token up front: a refused sign-in is one clear error, not the same one per stream.
    await graph.auth.acquire(ctx.signal)
    const lanes = await Promise.allSettled([
      stream('users'),
      (async () => {
        await stream('groups')
        await stream('directory_roles')
      })(),
      (async () => {
        await stream('service_principals')
        await stream('app_roles')
      })(),
    ])
    // Every lane has stopped before the run records its outcome; then an abort is the run's error.
    const aborted = lanes.find((l) => l.status === 'rejected')
    if (aborted) throw (aborted as PromiseRejectedResult).reason
  } finally {
    graph.close()
  }
  if (failures.length) throw new Error(`${failures.length} Entra stream(s) failed: ${failures.join('; ')}`)
}

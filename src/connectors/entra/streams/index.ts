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
 * One Entra sync: the streams in order (groups before directory roles, which look groups up). A failed stream
 * does not stop the others; it stays incomplete, removes nothing, and the run fails naming it. An abort stops
 * at once.
 */
export async function syncEntra(ctx: SyncContext<EntraConfig>): Promise<void> {
  const graph = createGraphClient(ctx.config, ctx.logger)
  const run: EntraRun = { ctx, graph, logger: ctx.logger, signal: ctx.signal, pageSize: 999 }
  const failures: string[] = []
  try {
    // One token up front: a refused sign-in is one clear error, not the same one per stream.
    await graph.auth.acquire(ctx.signal)
    for (const spec of ENTRA_STREAMS) {
      ctx.signal.throwIfAborted()
      try {
        await RUNNERS[spec.name]!(run)
      } catch (e) {
        if (ctx.signal.aborted) throw e
        const message = e instanceof Error ? e.message : String(e)
        ctx.logger.error(
          { stream: spec.name, error: message },
          'stream failed; it stays incomplete and removes nothing',
        )
        failures.push(`${spec.name}: ${message}`)
      }
    }
  } finally {
    graph.close()
  }
  if (failures.length) throw new Error(`${failures.length} Entra stream(s) failed: ${failures.join('; ')}`)
}

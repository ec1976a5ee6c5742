/**
 * The Okta entitlement source: five streams, run side by side. Each stream reads different Okta endpoints,
 * which have separate rate buckets, so running them together spends the org's budget faster without any
 * bucket running dry sooner. A stream that fails leaves the others to finish; the run then fails with it.
 */
import type { EntitlementSource, StreamSpec, SyncContext } from '../../types.ts'
import { createOktaClient } from '../client.ts'
import type { OktaConfig } from '../config.ts'
import { syncApiTokens } from './api-tokens.ts'
import { syncApps } from './apps.ts'
import { bufferRowsFor, type OktaRun } from './common.ts'
import { syncGroups } from './groups.ts'
import { syncRoles } from './roles.ts'
import { syncUsers } from './users.ts'

export const OKTA_STREAMS: readonly StreamSpec[] = [
  { name: 'users', tables: ['identities'] },
  { name: 'groups', tables: ['entitlements', 'grants'] },
  { name: 'apps', tables: ['entitlements', 'grants', 'identities'] },
  { name: 'roles', tables: ['entitlements', 'grants'] },
  { name: 'api_tokens', tables: ['identities', 'credentials'] },
]

export async function syncOkta(ctx: SyncContext<OktaConfig>): Promise<void> {
  const run: OktaRun = {
    ctx,
    client: createOktaClient(ctx.config, ctx.logger),
    bufferRows: bufferRowsFor(ctx.config),
  }
  const results = await Promise.allSettled([
    syncUsers(run),
    syncGroups(run),
    syncApps(run),
    syncRoles(run),
    syncApiTokens(run),
  ])
  const failed = results.flatMap((r, i) =>
    r.status === 'rejected' ? [{ stream: OKTA_STREAMS[i]!.name, e: r.reason }] : [],
  )
  if (failed.length === 0) return
  for (const f of failed.slice(1)) ctx.logger.error({ stream: f.stream, err: f.e }, 'okta stream failed')
  const first = failed[0]!
  throw first.e instanceof Error
    ? Object.assign(first.e, { message: `okta ${first.stream}: ${first.e.message}` })
    : new Error(`okta ${first.stream}: ${String(first.e)}`)
}

export const oktaEntitlementSource: EntitlementSource<OktaConfig> = {
  streams: OKTA_STREAMS,
  sync: syncOkta,
}

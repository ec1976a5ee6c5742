import { ahead, odataPages } from '../../http/paging.ts'
import { parseRecords } from '../../http/validate.ts'
import type { StreamWriter, SyncBatch } from '../../types.ts'
import { batchGet, itemPages } from '../client.ts'
import { RawAppRoleAssignment, RawResource, RESOURCE_SELECT } from '../schema.ts'
import {
  appRoleAssignmentToGrant,
  DEFAULT_ACCESS_ROLE_ID,
  type Entitlement,
  type Grant,
  isMicrosoftFirstParty,
  resourceEntitlements,
} from '../transform.ts'
import { type EntraRun, listedCursor, openListingStream } from './common.ts'
import { SP_CHUNK, spPageCursor } from './service-principals.ts'

/** Grants buffered before a write without a checkpoint (an app with very many holders). */
const FLUSH_AT = 5_000

/**
 * App role assignments: for every service principal (a resource), who holds which of its roles
 * (`/servicePrincipals/{id}/appRoleAssignedTo`, fetched 20 at a time through `$batch`), with createdDateTime
 * as the grant time; and the resource's roles as entitlements. Assignments to users, groups and service
 * principals alike; an app role assigned to a group reaches its direct members only (derived later).
 */
export async function syncAppRoles(run: EntraRun): Promise<void> {
  const started = listedCursor()
  const w = await openListingStream(run, 'app_roles')
  if (!w) return
  for await (const batch of ahead(appRoleBatches(run, w))) await w.write(batch)
  await w.complete(started)
}

/** The batches of an app role listing, each chunk's ending with the checkpoint after it. */
async function* appRoleBatches(run: EntraRun, w: StreamWriter): AsyncGenerator<SyncBatch> {
  const { http } = run.graph
  const cfg = run.ctx.config
  const io = { stats: w.stats, signal: run.signal }
  const resume = spPageCursor(w.resumeFrom)
  const first =
    resume?.page ?? http.url('/servicePrincipals', { $select: RESOURCE_SELECT.join(','), $top: 999 })
  let skip = resume?.done ?? 0
  for await (const page of odataPages(http, first, io)) {
    const { records, invalid } = parseRecords(page.items, RawResource)
    const kept = records.filter((sp) => cfg.includeMicrosoftFirstParty || !isMicrosoftFirstParty(sp))
    let pendingInvalid = invalid
    if (kept.length === 0 || skip >= kept.length) {
      yield { invalid, checkpoint: page.nextLink ? { page: page.nextLink, done: 0 } : undefined }
      pendingInvalid = []
    }
    for (let at = skip; at < kept.length; at += SP_CHUNK) {
      const chunk = kept.slice(at, at + SP_CHUNK)
      const urls = chunk.map((sp) => `/servicePrincipals/${sp.id}/appRoleAssignedTo?$top=999`)
      const items = await batchGet(http, urls, { ...io, logger: run.logger })
      let grants: Grant[] = []
      const entitlements: Entitlement[] = []
      for (let i = 0; i < chunk.length; i++) {
        const item = items[i]!
        if (item.status === 404) continue
        let hasDefault = false
        for await (const values of itemPages(http, urls[i]!, item, io)) {
          const parsed = parseRecords(values, RawAppRoleAssignment)
          pendingInvalid.push(...parsed.invalid)
          for (const a of parsed.records) {
            if (a.appRoleId === DEFAULT_ACCESS_ROLE_ID) hasDefault = true
            const g = appRoleAssignmentToGrant(a)
            if (g) grants.push(g)
          }
          if (grants.length >= FLUSH_AT) {
            yield { grants }
            grants = []
          }
        }
        entitlements.push(...resourceEntitlements(chunk[i]!, hasDefault))
      }
      const end = at + chunk.length
      const checkpoint =
        end < kept.length
          ? { page: page.url, done: end }
          : page.nextLink
            ? { page: page.nextLink, done: 0 }
            : undefined
      yield { entitlements, grants, invalid: pendingInvalid, checkpoint }
      pendingInvalid = []
    }
    skip = 0
  }
}

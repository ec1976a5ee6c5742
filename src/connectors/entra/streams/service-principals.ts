import { odataPages } from '../../http/paging.ts'
import { type InvalidRecord, parseRecords } from '../../http/validate.ts'
import { BATCH_SIZE, batchGet, itemPages } from '../client.ts'
import { APPLICATION_SELECT, RawApplication, RawOwner, RawServicePrincipal } from '../schema.ts'
import {
  type CredentialRecord,
  credentialsOf,
  type Identity,
  isMicrosoftFirstParty,
  servicePrincipalToIdentity,
} from '../transform.ts'
import type { EntraRun } from './common.ts'
import { listedCursor, openListingStream } from './common.ts'

/** Where a listing over service principal pages resumes: a page URL and how many of its kept SPs are done. */
export interface SpPageCursor {
  page: string
  done: number
}

export function spPageCursor(resumeFrom: unknown): SpPageCursor | undefined {
  const c = resumeFrom as Partial<SpPageCursor> | null | undefined
  return c && typeof c.page === 'string' && typeof c.done === 'number'
    ? { page: c.page, done: c.done }
    : undefined
}

/** Service principals handled per write: five $batch requests of owners, run in parallel. */
export const SP_CHUNK = 5 * BATCH_SIZE

/**
 * Service principals and managed identities as non-human identities, with their credentials and those of
 * their app registrations. Applications are listed first (kept in memory by appId: their count is that of
 * app registrations, not of users or grants); then service principal pages, each chunk's owners fetched
 * through `$batch` (an SP's own owners, else its application's). Microsoft first-party SPs are left out
 * unless `includeMicrosoftFirstParty`.
 */
export async function syncServicePrincipals(run: EntraRun): Promise<void> {
  const { http } = run.graph
  const cfg = run.ctx.config
  const started = listedCursor()
  const w = await openListingStream(run, 'service_principals')
  if (!w) return
  const io = { stats: w.stats, signal: run.signal }

  const apps = new Map<string, RawApplication>()
  const appInvalid: InvalidRecord[] = []
  for await (const page of odataPages(http, '/applications', {
    ...io,
    params: { $select: APPLICATION_SELECT.join(','), $top: 999 },
  })) {
    const { records, invalid } = parseRecords(page.items, RawApplication)
    for (const a of records) apps.set(a.appId, a)
    appInvalid.push(...invalid)
  }

  const resume = spPageCursor(w.resumeFrom)
  const first = resume?.page ?? http.url('/servicePrincipals', { $top: 999 })
  let skip = resume?.done ?? 0
  let pendingInvalid = appInvalid
  for await (const page of odataPages(http, first, io)) {
    const { records, invalid } = parseRecords(page.items, RawServicePrincipal)
    pendingInvalid = [...pendingInvalid, ...invalid]
    const kept = records.filter((sp) => cfg.includeMicrosoftFirstParty || !isMicrosoftFirstParty(sp))
    if (kept.length === 0 || skip >= kept.length) {
      await w.write({
        invalid: pendingInvalid,
        checkpoint: page.nextLink ? { page: page.nextLink, done: 0 } : undefined,
      })
      pendingInvalid = []
    }
    for (let at = skip; at < kept.length; at += SP_CHUNK) {
      const chunk = kept.slice(at, at + SP_CHUNK)
      const spOwners = await ownersOf(
        run,
        chunk.map((sp) => `/servicePrincipals/${sp.id}/owners?$select=id`),
        io,
      )
      const needApp = chunk.flatMap((sp, i) =>
        spOwners[i]!.length === 0 && sp.servicePrincipalType !== 'ManagedIdentity' && apps.has(sp.appId)
          ? [sp]
          : [],
      )
      const appOwnerLists = await ownersOf(
        run,
        needApp.map((sp) => `/applications/${apps.get(sp.appId)!.id}/owners?$select=id`),
        io,
      )
      const appOwners = new Map(needApp.map((sp, i) => [sp.id, appOwnerLists[i]!]))
      const identities: Identity[] = []
      const credentials: CredentialRecord[] = []
      chunk.forEach((sp, i) => {
        const app = apps.get(sp.appId)
        identities.push(servicePrincipalToIdentity(sp, { sp: spOwners[i]!, app: appOwners.get(sp.id) ?? [] }))
        credentials.push(...credentialsOf(sp.id, sp, app))
      })
      const end = at + chunk.length
      const checkpoint =
        end < kept.length
          ? { page: page.url, done: end }
          : page.nextLink
            ? { page: page.nextLink, done: 0 }
            : undefined
      await w.write({ identities, credentials, invalid: pendingInvalid, checkpoint })
      pendingInvalid = []
    }
    skip = 0
  }
  if (pendingInvalid.length) await w.write({ invalid: pendingInvalid })
  await w.complete(started)
}

/** The owner ids of each URL's collection, in order; a 404 (the object left meanwhile) is no owners. */
async function ownersOf(
  run: EntraRun,
  urls: string[],
  io: { stats: EntraRun['graph']['http']['stats']; signal: AbortSignal },
): Promise<string[][]> {
  if (!urls.length) return []
  const { http } = run.graph
  const items = await batchGet(http, urls, { ...io, logger: run.logger })
  return Promise.all(
    items.map(async (item, i) => {
      if (item.status === 404) return []
      const ids: string[] = []
      for await (const values of itemPages(http, urls[i]!, item, io)) {
        for (const o of values) {
          const r = RawOwner.safeParse(o)
          if (r.success) ids.push(r.data.id)
        }
      }
      return ids
    }),
  )
}

import type { HttpClient } from '../http/client.ts'
import { keysetScan, type PageRequest } from './client.ts'
import { isSysId, snIn } from './encoded-query.ts'
import { fieldText, refId, type SnRecordRaw, type SnUserRaw, SnUserRaw as SnUserSchema } from './schema.ts'

/** IN lists are chunked so a URL stays well under the 8 KB many proxies allow (100 sys_ids ≈ 3.3 KB). */
const IN_CHUNK = 100
const PAGE = 1000

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Reads every row of `table` whose `field` is one of `ids`, in batched IN queries paged by sys_id. */
async function readIn(
  http: HttpClient,
  table: string,
  field: string,
  ids: readonly string[],
  fields: readonly string[],
  req: PageRequest,
): Promise<SnRecordRaw[]> {
  // Chunks in parallel: the client's pacer keeps the configured concurrency and rate.
  const parts = await Promise.all(
    chunks(ids, IN_CHUNK).map(async (chunk) => {
      const condition = snIn(field, chunk)
      const rows: SnRecordRaw[] = []
      for await (const page of keysetScan<string>(http, {
        table,
        fields,
        limit: PAGE,
        query: (after) => `${condition}${after ? `^sys_id>${after}` : ''}^ORDERBYsys_id`,
        keyOf: (r) => r.sys_id,
        start: null,
        req,
      })) {
        rows.push(...page.rows)
      }
      return rows
    }),
  )
  return parts.flat()
}

export interface SnUser {
  sysId: string
  userName: string
  email: string
  name: string
}

/**
 * sys_user records by sys_id, fetched in batches and kept for the run. Bounded (oldest out first) so a tenant
 * of any size keeps memory flat; a user evicted and needed again costs one more batched lookup.
 */
export class UserCache {
  readonly #users = new Map<string, SnUser | null>()
  readonly #max: number
  constructor(max = 100_000) {
    this.#max = max
  }

  get(sysId: string): SnUser | null | undefined {
    return this.#users.get(sysId)
  }

  async load(http: HttpClient, ids: Iterable<string>, req: PageRequest): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => isSysId(id) && !this.#users.has(id))
    if (missing.length === 0) return
    const rows = await readIn(
      http,
      'sys_user',
      'sys_id',
      missing,
      ['sys_id', 'user_name', 'email', 'name'],
      req,
    )
    for (const r of rows) {
      const u = SnUserSchema.safeParse(
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, fieldText(v)])),
      )
      if (u.success) this.#put(toUser(u.data))
    }
    // A reference to a user we may not read (ACL) or that was deleted: remember it is unknown.
    for (const id of missing) if (!this.#users.has(id)) this.#put(null, id)
  }

  #put(u: SnUser | null, id = u?.sysId ?? '') {
    this.#users.delete(id)
    this.#users.set(id, u)
    if (this.#users.size > this.#max) this.#users.delete(this.#users.keys().next().value!)
  }
}

function toUser(u: SnUserRaw): SnUser {
  return { sysId: u.sys_id, userName: u.user_name, email: u.email, name: u.name }
}

export interface SnApprovalRow {
  item: string
  approver: string | null
  state: string
  updatedOn: string
}

/** `sysapproval_approver` rows of these items: approver, state, when. */
export async function readApprovals(
  http: HttpClient,
  itemIds: readonly string[],
  req: PageRequest,
): Promise<Map<string, SnApprovalRow[]>> {
  const rows = await readIn(
    http,
    'sysapproval_approver',
    'sysapproval',
    itemIds,
    ['sys_id', 'sysapproval', 'approver', 'state', 'sys_updated_on'],
    req,
  )
  const out = new Map<string, SnApprovalRow[]>()
  for (const r of rows) {
    const item = refId(r.sysapproval)
    if (!item) continue
    const list = out.get(item) ?? []
    list.push({
      item,
      approver: refId(r.approver),
      state: fieldText(r.state),
      updatedOn: fieldText(r.sys_updated_on),
    })
    out.set(item, list)
  }
  return out
}

/**
 * Catalog variables of these items through `sc_item_option_mtom` (item → option → its question's name), one
 * batched query per page of items.
 */
export async function readVariables(
  http: HttpClient,
  itemIds: readonly string[],
  req: PageRequest,
): Promise<Map<string, Record<string, string>>> {
  const rows = await readIn(
    http,
    'sc_item_option_mtom',
    'request_item',
    itemIds,
    ['sys_id', 'request_item', 'sc_item_option.value', 'sc_item_option.item_option_new.name'],
    req,
  )
  const out = new Map<string, Record<string, string>>()
  for (const r of rows) {
    const item = refId(r.request_item)
    const name = fieldText(r['sc_item_option.item_option_new.name'])
    if (!item || !name) continue
    const vars = out.get(item) ?? {}
    vars[name] = fieldText(r['sc_item_option.value'])
    out.set(item, vars)
  }
  return out
}

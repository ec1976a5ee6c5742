import LinkHeader from 'http-link-header'
import type { Logger } from '../../core/logger.ts'
import { createHttpClient, type HttpClient } from '../http/client.ts'
import { servicenowRateSignals } from '../http/rate-signals.ts'
import type { RequestStats } from '../http/stats.ts'
import { parseRecords } from '../http/validate.ts'
import { serviceNowAuth } from './auth.ts'
import type { ServiceNowConfig } from './config.ts'
import { SnCollection, type SnRecordRaw, SnRecordRaw as SnRecordSchema } from './schema.ts'

/** The Table API client of one run. v2 is pinned so that "no rows" is `200 {"result": []}`, never a 404. */
export function createServiceNowHttp(config: ServiceNowConfig, logger: Logger): HttpClient {
  return createHttpClient({
    name: config.id,
    baseUrl: config.baseUrl,
    auth: serviceNowAuth(config),
    rateSignals: servicenowRateSignals,
    rateLimit: config.rateLimit,
    timeoutMs: config.timeoutMs,
    tls: config.tls,
    logger,
  })
}

export interface TablePage {
  rows: SnRecordRaw[]
  invalid: { id: string; reason: string }[]
  /** The `rel="next"` link, checked against the configured origin; null when there is none. */
  next: string | null
  url: string
}

export interface PageRequest {
  signal: AbortSignal
  stats?: RequestStats
}

export function tablePath(table: string): string {
  return `/api/now/v2/table/${encodeURIComponent(table)}`
}

/** One page of a table: the query parameters, or a next link taken verbatim from the previous page. */
export async function getTablePage(
  http: HttpClient,
  target: { table: string; params: Record<string, string | number | boolean> } | { next: string },
  req: PageRequest,
): Promise<TablePage> {
  const res =
    'next' in target
      ? await http.request(target.next, { signal: req.signal, stats: req.stats })
      : await http.request(tablePath(target.table), {
          params: {
            sysparm_display_value: false,
            sysparm_exclude_reference_link: true,
            ...target.params,
          },
          signal: req.signal,
          stats: req.stats,
        })
  const body = SnCollection.safeParse(res.data)
  if (!body.success) throw new Error(`ServiceNow ${res.url.split('?')[0]} did not return {"result": [...]}`)
  const { records, invalid } = parseRecords(body.data.result, SnRecordSchema)
  let next: string | null = null
  const link = res.headers.link
  if (link) {
    const uri = LinkHeader.parse(link).rel('next')[0]?.uri
    if (uri) next = http.resolveNext(uri, res.url)
  }
  return { rows: records, invalid, next, url: res.url }
}

export interface KeysetScan<K> {
  table: string
  fields: readonly string[]
  limit: number
  /** The encoded query of the page after `after` (null: the first page), ending with its ORDERBY. */
  query(after: K | null): string
  keyOf(row: SnRecordRaw): K
  start: K | null
  req: PageRequest
}

/**
 * Pages a table by key, not by offset: each page asks for the rows after the last key seen, so rows that are
 * inserted, deleted or updated meanwhile never shift a page boundary (nothing skipped, nothing read twice).
 * ACLs are applied after `sysparm_limit`, so a page can be short or empty while more rows exist: the end is the
 * absence of a `rel="next"` link, never a short page, and an empty window is skipped by following its next link.
 */
export async function* keysetScan<K>(
  http: HttpClient,
  scan: KeysetScan<K>,
): AsyncGenerator<TablePage & { last: K | null }> {
  let after = scan.start
  for (;;) {
    let page = await getTablePage(
      http,
      {
        table: scan.table,
        params: {
          sysparm_query: scan.query(after),
          sysparm_limit: scan.limit,
          sysparm_fields: scan.fields.join(','),
        },
      },
      scan.req,
    )
    const invalid = [...page.invalid]
    while (page.rows.length === 0 && page.next) {
      page = await getTablePage(http, { next: page.next }, scan.req)
      invalid.push(...page.invalid)
    }
    const lastRow = page.rows.at(-1)
    if (lastRow) after = scan.keyOf(lastRow)
    yield { ...page, invalid, last: after }
    if (!page.next || !lastRow) return
  }
}

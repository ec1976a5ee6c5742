import LinkHeader from 'http-link-header'
import type { HttpClient, HttpResponse, RequestOptions } from './client.ts'
import { PayloadError } from './errors.ts'

/**
 * Paging helpers, one per vendor style, as async generators yielding one page at a time (memory is bounded
 * by a page). Each page carries the cursor to resume after it, so a connector writes the page and checkpoints
 * that cursor in one transaction. Next links are checked against the configured origin before they are
 * followed or yielded: a foreign one is an error.
 */

type PageRequest = Omit<RequestOptions, 'method' | 'body'>

// --- Microsoft Graph: @odata.nextLink / @odata.deltaLink -------------------------------------------------

export interface ODataPage {
  items: unknown[]
  /** The URL this page came from. */
  url: string
  /** Where the next page is; absent on the last page. */
  nextLink?: string
  /** On the last page of a delta round: the link to call next time. */
  deltaLink?: string
  response: HttpResponse
}

/**
 * Follows `@odata.nextLink` verbatim until it is absent. Start from the first URL, or from a checkpointed
 * nextLink to resume. An empty page with a nextLink is normal in delta rounds: it is yielded and followed.
 */
export async function* odataPages(
  client: HttpClient,
  url: string,
  opts: PageRequest = {},
): AsyncGenerator<ODataPage> {
  let next: string | undefined = client.url(url, opts.params)
  while (next) {
    const response = await client.request(next, { ...opts, params: undefined })
    const body = response.data as Record<string, unknown> | undefined
    if (!body || typeof body !== 'object' || !Array.isArray(body.value)) {
      throw new PayloadError('malformed page: expected an object with a "value" array', next)
    }
    const nextLink = optionalString(body, '@odata.nextLink', next)
    const deltaLink = optionalString(body, '@odata.deltaLink', next)
    const page: ODataPage = {
      items: body.value,
      url: next,
      nextLink: nextLink && client.resolveNext(nextLink, next),
      deltaLink: deltaLink && client.resolveNext(deltaLink, next),
      response,
    }
    yield page
    next = page.nextLink
  }
}

function optionalString(body: Record<string, unknown>, key: string, url: string): string | undefined {
  const v = body[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw new PayloadError(`malformed page: "${key}" is not a string`, url)
  return v
}

// --- Okta (and others): Link rel="next" ------------------------------------------------------------------

export interface LinkPage {
  items: unknown[]
  url: string
  next?: string
  response: HttpResponse
}

/** The `rel="next"` target of a Link header (several headers arrive comma-joined; the parser handles both). */
export function nextFromLinkHeader(header: string | undefined): string | undefined {
  if (!header) return undefined
  const refs = LinkHeader.parse(header).rel('next')
  return refs[0]?.uri
}

/**
 * Okta style: the body is a bare array, the cursor is the `Link rel="next"` header, followed verbatim.
 * `stopOnEmptyPage` is for endpoints that always send a next link (Okta's System Log polling).
 */
export async function* linkPages(
  client: HttpClient,
  url: string,
  opts: PageRequest & { stopOnEmptyPage?: boolean } = {},
): AsyncGenerator<LinkPage> {
  const { stopOnEmptyPage, ...ro } = opts
  let next: string | undefined = client.url(url, ro.params)
  while (next) {
    const response = await client.request(next, { ...ro, params: undefined })
    if (!Array.isArray(response.data)) throw new PayloadError('malformed page: expected a JSON array', next)
    const link = nextFromLinkHeader(response.headers.link)
    const resolved: string | undefined = link ? client.resolveNext(link, next) : undefined
    const page: LinkPage = { items: response.data, url: next, next: resolved, response }
    yield page
    if (stopOnEmptyPage && page.items.length === 0) return
    // A next link back to the same URL would loop forever.
    next = resolved !== next ? resolved : undefined
  }
}

// --- Jira: nextPageToken / isLast ------------------------------------------------------------------------

export interface TokenPage {
  items: unknown[]
  /** The token of the next page; absent on the last. */
  nextToken?: string
  response: HttpResponse
}

export interface TokenPagingOptions extends PageRequest {
  /** GET puts the token in the query; POST in the JSON body (Jira's POST /search/jql). */
  method?: 'GET' | 'POST'
  body?: Record<string, unknown>
  /** The array of records in the body. Default `issues`. */
  itemsKey?: string
  /** The name of the token parameter and response field. Default `nextPageToken`. */
  tokenKey?: string
  /** Resume from a checkpointed token. */
  startToken?: string
}

/** Jira's enhanced search: stops when `isLast` is true or no token comes back. */
export async function* tokenPages(
  client: HttpClient,
  url: string,
  opts: TokenPagingOptions = {},
): AsyncGenerator<TokenPage> {
  const { method = 'GET', body, itemsKey = 'issues', tokenKey = 'nextPageToken', startToken, ...ro } = opts
  let token = startToken
  for (;;) {
    const response =
      method === 'GET'
        ? await client.request(url, { ...ro, params: { ...ro.params, [tokenKey]: token } })
        : await client.request(url, {
            ...ro,
            method: 'POST',
            idempotent: true,
            body: { ...body, ...(token ? { [tokenKey]: token } : {}) },
          })
    const data = response.data as Record<string, unknown> | undefined
    if (!data || typeof data !== 'object' || !Array.isArray(data[itemsKey])) {
      throw new PayloadError(`malformed page: expected an object with an "${itemsKey}" array`, response.url)
    }
    const raw = data[tokenKey]
    if (raw !== undefined && raw !== null && typeof raw !== 'string') {
      throw new PayloadError(`malformed page: "${tokenKey}" is not a string`, response.url)
    }
    const nextToken = data.isLast === true || !raw ? undefined : raw
    if (nextToken !== undefined && nextToken === token) {
      throw new PayloadError(`the server returned the same ${tokenKey} twice`, response.url)
    }
    yield { items: data[itemsKey] as unknown[], nextToken, response }
    if (!nextToken) return
    token = nextToken
  }
}

// --- ServiceNow and JSM: offset + X-Total-Count / Link ---------------------------------------------------

export interface OffsetPage {
  items: unknown[]
  offset: number
  /** Where the next page starts; absent on the last. */
  nextOffset?: number
  /** X-Total-Count when sent (counted before ACLs, so pages can be short while more rows exist). */
  total?: number
  response: HttpResponse
}

export interface OffsetPagingOptions extends PageRequest {
  limit: number
  startOffset?: number
  /** Default ServiceNow's `sysparm_offset` / `sysparm_limit`; JSM uses `start` / `limit`. */
  offsetParam?: string
  limitParam?: string
  /** Where the records are: default `result` (ServiceNow); JSM `values`. A bare array body also works. */
  itemsKey?: string
  /** A body flag that marks the last page (JSM `isLastPage`). */
  isLastKey?: string
}

/**
 * Offset paging. The end is: no `rel="next"` in a Link header that is present, `offset >= X-Total-Count`, or
 * the body's last-page flag; a short page alone is not the end (ServiceNow filters by ACL after counting).
 * With none of those signals (no Link, no count, no flag), a short page ends it.
 */
export async function* offsetPages(
  client: HttpClient,
  url: string,
  opts: OffsetPagingOptions,
): AsyncGenerator<OffsetPage> {
  const {
    limit,
    startOffset = 0,
    offsetParam = 'sysparm_offset',
    limitParam = 'sysparm_limit',
    itemsKey = 'result',
    isLastKey,
    ...ro
  } = opts
  let offset = startOffset
  for (;;) {
    const response = await client.request(url, {
      ...ro,
      params: { ...ro.params, [limitParam]: limit, [offsetParam]: offset },
    })
    const data = response.data as Record<string, unknown> | unknown[] | undefined
    const items = Array.isArray(data) ? data : data && typeof data === 'object' ? data[itemsKey] : undefined
    if (!Array.isArray(items)) {
      throw new PayloadError(`malformed page: expected an object with a "${itemsKey}" array`, response.url)
    }
    const totalHeader = response.headers['x-total-count']
    const total = totalHeader !== undefined && /^\d+$/.test(totalHeader) ? Number(totalHeader) : undefined
    const linkHeader = response.headers.link
    const linkNext = nextFromLinkHeader(linkHeader)
    if (linkNext) client.resolveNext(linkNext, response.url)
    const nextOffset = offset + limit
    let last: boolean
    if (isLastKey && !Array.isArray(data) && data && typeof data[isLastKey] === 'boolean')
      last = data[isLastKey] === true
    else if (total !== undefined) last = nextOffset >= total
    else if (linkHeader !== undefined) last = !linkNext
    else last = items.length < limit
    yield { items, offset, nextOffset: last ? undefined : nextOffset, total, response }
    if (last) return
    offset = nextOffset
  }
}

// --- Pipelining ------------------------------------------------------------------------------------------

/**
 * Runs a generator one step ahead of its consumer, so the next page is being fetched while the consumer
 * writes this one (network and store overlap). Fetching has no side effects, so a consumer that stops or fails
 * loses nothing: its checkpoint is still the last page it committed.
 */
export async function* ahead<T>(gen: AsyncGenerator<T>): AsyncGenerator<T> {
  let pending = gen.next()
  // The consumer may stop before awaiting the step in flight: its failure must not be unhandled.
  pending.catch(() => {})
  try {
    for (;;) {
      const r = await pending
      if (r.done) return
      pending = gen.next()
      pending.catch(() => {})
      yield r.value
    }
  } finally {
    await gen.return(undefined).catch(() => {})
  }
}

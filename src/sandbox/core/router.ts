import type { IncomingMessage } from 'node:http'
import type { RateDecision } from './rate-limit.ts'
import { type Reply, readBody } from './reply.ts'

/** What a handler sees of a request. */
export interface RequestContext {
  req: IncomingMessage
  method: string
  /** The full request URL on the simulator's origin. */
  url: URL
  /** `scheme://host:port` of the simulator, as the client reached it: next links are built on it. */
  origin: string
  /** Path parameters named in the route pattern (`:id`). */
  params: Record<string, string>
  query: URLSearchParams
  /** The matched route's name, e.g. `GET /v1.0/users`: the key for counting and rate limits. */
  endpoint: string
  /** Simulator-specific data attached by its authenticate hook (e.g. the caller's scopes). */
  auth: unknown
  /**
   * Takes a token from a named rate-limit bucket (set by the simulator): for requests inside a request, such as
   * the items of a Graph `$batch`, each throttled on its own. Null when no rule covers the bucket.
   */
  rateLimit?: (bucket: string, rule?: string) => RateDecision | null
  body(): Promise<Buffer>
  json<T = unknown>(): Promise<T>
  form(): Promise<URLSearchParams>
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>

interface Route {
  method: string
  name: string
  segments: string[]
  handler: Handler
}

/**
 * Method + path-pattern routing. Patterns are `/`-separated with `:name` parameters; a literal segment beats
 * a parameter, so `/users/delta` wins over `/users/:id` whatever the order of registration.
 */
export class Router {
  readonly #routes: Route[] = []

  add(method: string, pattern: string, handler: Handler, name = `${method} ${pattern}`): this {
    this.#routes.push({ method, name, segments: split(pattern), handler })
    return this
  }

  get(pattern: string, handler: Handler, name?: string): this {
    return this.add('GET', pattern, handler, name)
  }

  post(pattern: string, handler: Handler, name?: string): this {
    return this.add('POST', pattern, handler, name)
  }

  /** The best route for a path, or `methodNotAllowed` when the path exists under another method. */
  match(
    method: string,
    path: string,
  ): { route: Route; params: Record<string, string> } | { methodNotAllowed: true } | null {
    const parts = split(path)
    let best: { route: Route; params: Record<string, string>; score: number } | null = null
    let otherMethod = false
    for (const route of this.#routes) {
      if (route.segments.length !== parts.length) continue
      const params: Record<string, string> = {}
      let score = 0
      let ok = true
      for (let i = 0; i < parts.length; i++) {
        const seg = route.segments[i]!
        if (seg.startsWith(':')) params[seg.slice(1)] = decodeURIComponent(parts[i]!)
        else if (seg === parts[i]) score++
        else {
          ok = false
          break
        }
      }
      if (!ok) continue
      if (route.method !== method) {
        otherMethod = true
        continue
      }
      if (!best || score > best.score) best = { route, params, score }
    }
    if (best) return { route: best.route, params: best.params }
    return otherMethod ? { methodNotAllowed: true } : null
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '')
}

export function makeContext(
  req: IncomingMessage,
  url: URL,
  origin: string,
  params: Record<string, string>,
  endpoint: string,
): RequestContext {
  let cached: Promise<Buffer> | null = null
  const body = () => {
    cached ??= readBody(req)
    return cached
  }
  return {
    req,
    method: req.method ?? 'GET',
    url,
    origin,
    params,
    query: url.searchParams,
    endpoint,
    auth: undefined,
    body,
    json: async <T>() => {
      const buf = await body()
      return (buf.length === 0 ? {} : JSON.parse(buf.toString('utf8'))) as T
    },
    form: async () => new URLSearchParams((await body()).toString('utf8')),
  }
}

import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { type ControlOperations, invokeControl } from './control.ts'
import { RequestCounter } from './counter.ts'
import { FaultInjector, type FaultSpec, NO_FAULTS, parseFaultSpec } from './faults.ts'
import { type RateDecision, RateLimiter, type RateLimitRule } from './rate-limit.ts'
import { encodeBody, type Reply, ReplyError, readBody } from './reply.ts'
import { makeContext, type RequestContext, type Router } from './router.ts'
import type { TlsMaterial } from './tls.ts'

/** How one vendor behaves around its routes: its errors, its throttling headers, its auth. */
export interface VendorBehaviour {
  name: string
  router: Router
  /** Default buckets by rule name (overridable per start through `rateLimits`). */
  rateLimits: Record<string, RateLimitRule>
  /** The bucket (and the rule it uses) a request draws from; null for none. */
  rateBucket(ctx: RequestContext): { bucket: string; rule: string } | null
  /** Headers added to every rate-limited response (Okta sends `X-Rate-Limit-*` on all of them). */
  rateHeaders?(decision: RateDecision): Record<string, string>
  /** The vendor's 429. */
  throttled(decision: RateDecision, ctx: RequestContext): Reply
  /** The vendor's 5xx, for injected server errors. */
  serverError(ctx: RequestContext): Reply
  notFound(ctx: RequestContext): Reply
  methodNotAllowed(ctx: RequestContext): Reply
  /** A handler threw something that is not a ReplyError: answer as the vendor would to a bad request. */
  badRequest(ctx: RequestContext, message: string): Reply
  /** Checks credentials; throws a ReplyError (401/403) to refuse. Sets ctx.auth for handlers. */
  authenticate?(ctx: RequestContext): void | Promise<void>
  /** Vendor-specific control operations (add member, disable user...). */
  control: ControlOperations
  /** Requests allowed in flight at once (Okta's concurrent rate limit); absent = unlimited. */
  concurrencyLimit?: number
  /** The vendor's answer to a request over the concurrency limit. */
  tooManyConcurrent?(ctx: RequestContext): Reply
}

export interface SimulatorOptions {
  /** Port to listen on; 0 or absent lets the OS choose. */
  port?: number
  /** Address to bind (default 127.0.0.1: the simulators never listen beyond loopback by default). */
  host?: string
  /** Serve HTTPS with this certificate. */
  tls?: TlsMaterial
  /** Fault rates, or a `--faults` SPEC string. */
  faults?: FaultSpec | string
  /** Seed for the fault RNG (same seed, same faults). */
  faultSeed?: number
  /** Overrides of the vendor's rate-limit rules by name (e.g. Okta `GET /api/v1/users`, or `default`). */
  rateLimits?: Record<string, RateLimitRule>
  /** Clock for rate limiting (epoch ms); defaults to the wall clock. */
  clock?: () => number
}

export interface Simulator {
  name: string
  /** `http(s)://127.0.0.1:PORT` */
  url: string
  port: number
  counter: RequestCounter
  /** Control operations: the vendor's plus `setFaults`, `counts` and `resetCounts`. */
  control: ControlOperations
  setFaults(spec: FaultSpec | string, seed?: number): void
  close(): Promise<void>
}

function toSpec(f: FaultSpec | string | undefined): FaultSpec {
  if (f === undefined) return NO_FAULTS
  return typeof f === 'string' ? parseFaultSpec(f) : f
}

/** Starts one vendor simulator on loopback. */
export async function startSimulator(
  vendor: VendorBehaviour,
  options: SimulatorOptions = {},
): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1'
  const scheme = options.tls ? 'https' : 'http'
  const counter = new RequestCounter()
  const limiter = new RateLimiter({ ...vendor.rateLimits, ...options.rateLimits }, null, options.clock)
  let faults = new FaultInjector(toSpec(options.faults), options.faultSeed ?? 1)
  let canonicalOrigin = ''
  let inFlight = 0

  const control: ControlOperations = {
    ...vendor.control,
    setFaults: (args: { spec: string; seed?: number }) => {
      faults = new FaultInjector(parseFaultSpec(String(args.spec ?? '')), args.seed ?? 1)
      return faults.spec
    },
    counts: () => counter.snapshot(),
    resetCounts: () => {
      counter.reset()
      return true
    },
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET'
    // Next links are built on the origin the client used (localhost or 127.0.0.1), as a real host answers on its name.
    const origin = req.headers.host ? `${scheme}://${req.headers.host}` : canonicalOrigin
    const url = new URL(req.url ?? '/', origin)

    if (url.pathname.startsWith('/_control/')) {
      await serveControl(req, res, url, control)
      return
    }

    const match = vendor.router.match(method, url.pathname)
    if (!match || 'methodNotAllowed' in match) {
      counter.count(`${method} (unrouted)`)
      const ctx = makeContext(req, url, origin, {}, `${method} (unrouted)`)
      send(res, match ? vendor.methodNotAllowed(ctx) : vendor.notFound(ctx), {}, false, counter)
      return
    }
    const ctx = makeContext(req, url, origin, match.params, match.route.name)
    ctx.rateLimit = (bucket, rule) => limiter.take(bucket, rule)
    counter.count(match.route.name)
    // In flight from arrival until the response is finished or the connection drops.
    inFlight++
    res.once('close', () => inFlight--)
    if (
      vendor.concurrencyLimit !== undefined &&
      vendor.tooManyConcurrent &&
      inFlight > vendor.concurrencyLimit
    ) {
      send(res, vendor.tooManyConcurrent(ctx), {}, false, counter)
      return
    }

    let reply: Reply | null = null
    let rateHeaders: Record<string, string> = {}
    let truncate = false
    try {
      const fault = faults.decide()
      if (fault.latencyMs > 0) await new Promise((r) => setTimeout(r, fault.latencyMs))
      if (fault.kind === 'reset') {
        counter.status(0)
        req.socket.destroy()
        return
      }
      const bucket = vendor.rateBucket(ctx)
      const decision = bucket ? limiter.take(bucket.bucket, bucket.rule) : null
      if (decision && vendor.rateHeaders) rateHeaders = vendor.rateHeaders(decision)
      if (fault.kind === '5xx') reply = vendor.serverError(ctx)
      else if (fault.kind === '429') {
        const now = limiter.now()
        const injected: RateDecision = {
          allowed: false,
          limit: decision?.limit ?? 0,
          remaining: 0,
          resetAtMs: now + 1000,
          retryAfterS: 1,
        }
        if (vendor.rateHeaders) rateHeaders = vendor.rateHeaders(injected)
        reply = vendor.throttled(injected, ctx)
      } else if (decision && !decision.allowed) reply = vendor.throttled(decision, ctx)
      else {
        await vendor.authenticate?.(ctx)
        reply = await match.route.handler(ctx)
        truncate = fault.kind === 'truncate'
      }
    } catch (err) {
      if (err instanceof ReplyError) reply = err.reply
      else reply = vendor.badRequest(ctx, err instanceof Error ? err.message : String(err))
    }
    send(res, reply, rateHeaders, truncate, counter)
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err) => {
      // Only reachable through a bug in a vendor behaviour hook: answer 500 rather than hang the client.
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' })
        res.end(String(err))
      } else res.destroy()
    })
  }
  const server = options.tls
    ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, listener)
    : http.createServer(listener)
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  canonicalOrigin = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`

  return {
    name: vendor.name,
    url: canonicalOrigin,
    port,
    counter,
    control,
    setFaults: (spec, seed) => {
      faults = new FaultInjector(toSpec(spec), seed ?? 1)
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()))
        server.closeAllConnections()
      }),
  }
}

function send(
  res: ServerResponse,
  reply: Reply,
  extraHeaders: Record<string, string>,
  truncate: boolean,
  counter: RequestCounter,
): void {
  counter.status(reply.status)
  const { bytes, contentType } = encodeBody(reply)
  const headers: Record<string, string | string[]> = { ...extraHeaders, ...reply.headers }
  const lower = new Set(Object.keys(headers).map((h) => h.toLowerCase()))
  if (contentType && !lower.has('content-type')) headers['content-type'] = contentType
  headers['content-length'] = String(bytes.length)
  res.writeHead(reply.status, headers)
  if (truncate && bytes.length > 1) {
    // Announce the full length, send half, then drop the connection: the client sees a premature close.
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.socket?.destroy())
    return
  }
  res.end(bytes)
}

async function serveControl(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ops: ControlOperations,
): Promise<void> {
  const name = decodeURIComponent(url.pathname.slice('/_control/'.length))
  const reply = (status: number, body: unknown) => {
    const bytes = Buffer.from(JSON.stringify(body))
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(bytes.length) })
    res.end(bytes)
  }
  try {
    if (req.method === 'GET' && name === 'counts')
      return reply(200, { result: await invokeControl(ops, name, {}) })
    if (req.method !== 'POST')
      return reply(405, { error: 'control operations are POST /_control/<operation>' })
    const raw = (await readBody(req)).toString('utf8')
    const args = raw.trim() === '' ? {} : JSON.parse(raw)
    reply(200, { result: (await invokeControl(ops, name, args)) ?? null })
  } catch (err) {
    reply(400, { error: err instanceof Error ? err.message : String(err) })
  }
}

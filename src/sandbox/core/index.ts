/**
 * Shared simulator infrastructure for the sandbox (Graph, Okta, ServiceNow, Jira simulators build on it).
 *
 * A simulator is a `VendorBehaviour` started with `startSimulator(behaviour, options)`:
 *
 * ```ts
 * const router = new Router()
 *   .get('/api/things', (ctx) => json(200, [...]))           // handlers return a Reply, never touch the socket
 *   .get('/api/things/:id', (ctx) => json(200, find(ctx.params.id)), 'GET /api/things/{id}')  // optional name
 * const sim = await startSimulator(
 *   {
 *     name: 'acme', router,
 *     rateLimits: { default: { capacity: 600, windowMs: 60_000 } },      // token buckets by rule name
 *     rateBucket: (ctx) => ({ bucket: ctx.endpoint, rule: 'default' }), // which bucket a request draws from
 *     rateHeaders: (d) => ({ ... }),       // optional: headers on every limited response (Okta X-Rate-Limit-*)
 *     throttled: (d, ctx) => json(429, ..., { 'retry-after': String(d.retryAfterS) }),
 *     serverError, notFound, methodNotAllowed, badRequest,   // the vendor's own error replies
 *     authenticate: (ctx) => { ...; ctx.auth = ...; throw new ReplyError(json(401, ...)) },
 *     control: { addMember: (args) => ... },                  // vendor control operations
 *   },
 *   { port: 0, tls: await generateTlsMaterial(), faults: '5xx=0.05,latency=200ms@0.1', faultSeed: 7,
 *     rateLimits: { default: { capacity: 5, windowMs: 1000 } } },
 * )
 * sim.url            // 'https://127.0.0.1:PORT'
 * sim.counter        // RequestCounter: per route name (`GET /api/things/{id}`) and per status
 * sim.control        // in-process control handle: vendor ops + setFaults({spec,seed}), counts(), resetCounts()
 * await sim.close()
 * ```
 *
 * Request pipeline: route match (vendor 404/405 otherwise) → count → fault draw (latency, then at most one of
 * reset / 5xx / 429 / truncate) → rate-limit bucket (vendor 429) → authenticate → handler → send (truncated when
 * drawn). A handler that throws `ReplyError` answers with its reply; any other error becomes the vendor's 400.
 *
 * Standalone mode: every simulator also answers `POST /_control/<operation>` (JSON args → `{"result"}` or
 * `400 {"error"}`) and `GET /_control/counts` on its loopback origin; `callControl(baseUrl, op, args)` calls it.
 *
 * Helpers: `parseFaultSpec('5xx=0.05,429=0.02,latency=200ms@0.1,reset=0.01,truncate=0.01')`, `TokenBucket` and
 * `RateLimiter`, `encodeCursor`/`decodeCursor` (opaque page cursors), `seededRandom(seed)`, `generateTlsMaterial()`
 * (a fresh CA + loopback certificate; clients trust `caCert`).
 */
export { type ControlOperation, type ControlOperations, callControl, invokeControl } from './control.ts'
export { RequestCounter } from './counter.ts'
export { decodeCursor, encodeCursor, nextOffsetCursor, type OffsetCursor, resumeOffset } from './cursor.ts'
export {
  type FaultDecision,
  FaultInjector,
  type FaultKind,
  type FaultSpec,
  NO_FAULTS,
  parseFaultSpec,
} from './faults.ts'
export { type RateDecision, RateLimiter, type RateLimitRule, TokenBucket } from './rate-limit.ts'
export { encodeBody, json, type Reply, ReplyError, readBody, text } from './reply.ts'
export { seededRandom } from './rng.ts'
export { type Handler, makeContext, type RequestContext, Router } from './router.ts'
export { type Simulator, type SimulatorOptions, startSimulator, type VendorBehaviour } from './simulator.ts'
export { generateTlsMaterial, type TlsMaterial } from './tls.ts'

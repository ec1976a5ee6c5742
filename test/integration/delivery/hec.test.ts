import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../../src/core/logger.ts'
import { createHecSender, HecError } from '../../../src/delivery/export/hec-sender.ts'
import { toOcsf } from '../../../src/delivery/export/ocsf.ts'
import { record } from '../../unit/delivery/records.ts'

const TOKEN = '3f1c0d4e-5a6b-7c8d-9e0f-112233445566'

/** HEC's answers (siem-formats.md section 4). */
const HEC = {
  ok: [200, { text: 'Success', code: 0 }],
  busy: [503, { text: 'Server is busy', code: 9 }],
  internal: [500, { text: 'Internal server error', code: 8 }],
  invalidToken: [403, { text: 'Invalid token', code: 4 }],
  invalidFormat: [400, { text: 'Invalid data format', code: 6, 'invalid-event-number': 1 }],
  incorrectIndex: [400, { text: 'Incorrect index', code: 7, 'invalid-event-number': 0 }],
} as const

interface Received {
  path: string
  auth: string | undefined
  events: Record<string, unknown>[]
}

/** A loopback collector: checks the token like HEC, then answers from a script (success when it runs out). */
async function startHec(script: (readonly [number, object])[]) {
  const received: Received[] = []
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      if (req.headers.authorization !== `Splunk ${TOKEN}`) {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ text: 'Invalid authorization', code: 3 }))
        return
      }
      // Concatenated JSON objects, not an array.
      expect(body.trimStart().startsWith('[')).toBe(false)
      const events = body
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
      received.push({ path: req.url ?? '', auth: req.headers.authorization, events })
      const [status, answer] = script.shift() ?? HEC.ok
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) }
}

describe('src/delivery/export/hec-sender', () => {
  let hec: Awaited<ReturnType<typeof startHec>> | null = null
  beforeEach(() => {
    hec = null
  })
  afterEach(async () => {
    await hec?.close()
  })
  const events = [toOcsf(record('opened', {}, { id: 1 })), toOcsf(record('resolved', {}, { id: 2 }))]
  const sender = (url: string, token = TOKEN) =>
    createHecSender(
      { url, token, sourcetype: 'ocsf:accord', index: 'security', host: 'sync01' },
      { logger: silentLogger(), backoff: { baseMs: 1, maxMs: 5 }, maxAttempts: 4 },
    )

  it('posts one batch of concatenated envelopes to /services/collector/event', async () => {
    hec = await startHec([])
    await sender(hec.url).send(events)
    expect(hec.received).toHaveLength(1)
    const [req] = hec.received
    expect(req!.path).toBe('/services/collector/event')
    expect(req!.events).toHaveLength(2)
    expect(req!.events[0]).toMatchObject({
      time: Date.parse('2026-11-29T12:00:00Z') / 1000,
      host: 'sync01',
      source: 'accord',
      sourcetype: 'ocsf:accord',
      index: 'security',
      fields: { finding_uid: 'fp-3a9c1d' },
      event: { class_uid: 2003, activity_id: 1 },
    })
    expect((req!.events[1]!.event as Record<string, unknown>).activity_id).toBe(3)
  })

  it('retries 5xx and busy (code 9), then succeeds', async () => {
    hec = await startHec([HEC.busy, HEC.internal])
    await sender(hec.url).send(events)
    expect(hec.received).toHaveLength(3)
  })

  it('gives up after its attempts on a collector that stays busy, without losing its place', async () => {
    hec = await startHec([HEC.busy, HEC.busy, HEC.busy, HEC.busy, HEC.busy])
    const err = await sender(hec.url)
      .send(events)
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(HecError)
    expect((err as HecError).permanent).toBe(false)
    expect((err as Error).message).toMatch(/answered 503 code 9: Server is busy \(after 4 attempts\)/)
    expect(hec.received).toHaveLength(4)
  })

  for (const [name, answer] of [
    ['an invalid token', HEC.invalidToken],
    ['an invalid data format', HEC.invalidFormat],
    ['an incorrect index', HEC.incorrectIndex],
  ] as const) {
    it(`stops at once on ${name} (a 4xx is configuration, not load)`, async () => {
      hec = await startHec([answer])
      const err = await sender(hec.url)
        .send(events)
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(HecError)
      expect((err as HecError).permanent).toBe(true)
      expect((err as HecError).code).toBe(answer[1].code)
      expect((err as Error).message).toContain(answer[1].text)
      expect(hec.received).toHaveLength(1)
    })
  }

  it('never puts the token in an error', async () => {
    hec = await startHec([])
    const err = (await sender(hec.url, 'wrong-token-value-123')
      .send(events)
      .catch((e: unknown) => e)) as Error
    expect(err.message).toMatch(/answered 401 code 3: Invalid authorization/)
    expect(JSON.stringify(err)).not.toContain('wrong-token-value-123')
    expect(err.message).not.toContain('wrong-token-value-123')
  })

  it('refuses plain http to anything but loopback', () => {
    expect(() => sender('http://splunk.example.com:8088')).toThrow(/http:\/\/ is allowed only to loopback/)
  })
})

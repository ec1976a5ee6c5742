import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../../src/core/logger.ts'
import { frame } from '../../../src/delivery/export/syslog-format.ts'
import { createSyslogSender } from '../../../src/delivery/export/syslog-sender.ts'
import { generateTlsMaterial, type TlsMaterial } from '../../../src/sandbox/core/tls.ts'
import { type SyslogListener, startSyslogListener } from './syslog-listener.ts'

const fast = { baseMs: 5, maxMs: 50 }

/** Messages with the characters framing must survive: spaces, digits at the start, multi-byte text. */
const messages = (n: number) =>
  Array.from(
    { length: n },
    (_, i) =>
      `<164>1 2026-01-01T09:00:00.000Z h accord - - - CEF:0|accord|msg=${i} 12 é ${'x'.repeat(i % 7)}`,
  )

/** Every message arrived, and in order: the first sighting of each comes after the one before. */
function expectAllInOrder(received: string[], sent: string[]) {
  const first = new Map<string, number>()
  received.forEach((m, i) => {
    if (!first.has(m)) first.set(m, i)
  })
  const missing = sent.filter((m) => !first.has(m))
  expect(missing).toEqual([])
  const positions = sent.map((m) => first.get(m)!)
  expect(positions).toEqual([...positions].sort((a, b) => a - b))
}

async function sendInBatches(send: (f: string[]) => Promise<void>, frames: string[], size: number) {
  for (let i = 0; i < frames.length; i += size) await send(frames.slice(i, i + size))
}

describe('src/delivery/export/syslog-sender', () => {
  let listener: SyslogListener | null = null
  let material: TlsMaterial
  beforeAll(async () => {
    material = await generateTlsMaterial()
  })
  afterEach(async () => {
    await listener?.close()
    listener = null
  })

  for (const useTls of [false, true]) {
    const kind = useTls ? 'TLS' : 'TCP'
    it(`delivers octet-counted RFC 5424 over ${kind}`, async () => {
      listener = await startSyslogListener({
        tls: useTls ? { cert: material.cert, key: material.key } : undefined,
      })
      const sender = createSyslogSender(
        { host: '127.0.0.1', port: listener.port, tls: useTls, ca: material.caCert },
        { logger: silentLogger(), backoff: fast },
      )
      const sent = messages(200)
      await sendInBatches((f) => sender.send(f.map((m) => frame('rfc5424', m))), sent, 50)
      await sender.close()
      await waitFor(() => listener!.messages.length >= 200)
      expect(listener.messages).toEqual(sent)
      expect(listener.errors).toEqual([])
      expect(listener.connections).toBe(1)
    })

    it(`loses nothing when the ${kind} listener drops the connection mid-stream`, async () => {
      listener = await startSyslogListener({
        tls: useTls ? { cert: material.cert, key: material.key } : undefined,
        dropAfter: 37,
      })
      const sender = createSyslogSender(
        { host: '127.0.0.1', port: listener.port, tls: useTls, ca: material.caCert },
        { logger: silentLogger(), backoff: fast },
      )
      const sent = messages(400)
      await sendInBatches((f) => sender.send(f.map((m) => frame('rfc5424', m))), sent, 25)
      await sender.close()
      await waitFor(() => new Set(listener!.messages).size >= 400)
      expect(listener.connections).toBeGreaterThanOrEqual(2)
      expectAllInOrder(listener.messages, sent)
      expect(listener.errors).toEqual([])
    })
  }

  it('sends RFC 3164 LF-terminated for legacy receivers', async () => {
    listener = await startSyslogListener({ framing: 'lf' })
    const sender = createSyslogSender(
      { host: '127.0.0.1', port: listener.port, tls: false },
      { logger: silentLogger() },
    )
    const sent = ['<162>Jan  1 09:00:00 h accord: CEF:0|a|b', '<162>Jan  1 09:00:01 h accord: CEF:0|c|d']
    await sender.send(sent.map((m) => frame('rfc3164', m)))
    await sender.close()
    await waitFor(() => listener!.messages.length >= 2)
    expect(listener.messages).toEqual(sent)
  })

  it('refuses a TLS listener whose certificate it does not trust', async () => {
    listener = await startSyslogListener({ tls: { cert: material.cert, key: material.key } })
    const sender = createSyslogSender(
      { host: '127.0.0.1', port: listener.port, tls: true },
      { logger: silentLogger(), backoff: fast, maxReconnects: 1 },
    )
    await expect(sender.send(['1 x'])).rejects.toThrow(
      /cannot connect after 2 attempts: .*(self.signed|certificate)/i,
    )
    expect(listener.messages).toEqual([])
  })

  it('gives up with a clear error when nothing listens', async () => {
    const l = await startSyslogListener({})
    const port = l.port
    await l.close()
    const sender = createSyslogSender(
      { host: '127.0.0.1', port, tls: false },
      { logger: silentLogger(), backoff: fast, maxReconnects: 2 },
    )
    await expect(sender.send(['1 x'])).rejects.toThrow(
      `syslog 127.0.0.1:${port}: cannot connect after 3 attempts`,
    )
  })
})

async function waitFor(cond: () => boolean, ms = 5_000) {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 10))
  }
}

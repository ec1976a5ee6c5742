import { mkdtempSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createHttpClient, createHttpsAgent, HttpError } from '../../../../src/connectors/http/index.ts'
import { createLogger } from '../../../../src/core/logger.ts'

const servers: net.Server[] = []
const sockets: net.Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r))
})

describe('src/connectors/http/tls', () => {
  it('tls.caFile adds a CA to the trusted roots; an unreadable one names the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'accord-ca-'))
    const pem = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n'
    writeFileSync(join(dir, 'ca.pem'), pem)
    const agent = createHttpsAgent({ tls: { caFile: join(dir, 'ca.pem') } })
    const ca = (agent.options as { ca?: string[] }).ca!
    expect(ca).toContain(pem)
    expect(ca.length).toBeGreaterThan(1)
    expect((agent.options as { rejectUnauthorized?: boolean }).rejectUnauthorized).toBe(true)
    expect(() => createHttpsAgent({ tls: { caFile: join(dir, 'missing.pem') } })).toThrow(
      /missing\.pem cannot be read/,
    )
  })

  it('tls.insecure turns verification off and says so loudly', () => {
    const lines: string[] = []
    const logger = createLogger({ level: 'warn', destination: { write: (l: string) => lines.push(l) } })
    const agent = createHttpsAgent({ tls: { insecure: true }, logger, name: 'entra' })
    expect((agent.options as { rejectUnauthorized?: boolean }).rejectUnauthorized).toBe(false)
    expect(lines.join('')).toMatch(/TLS CERTIFICATE VERIFICATION IS OFF/)
  })

  it('a TLS handshake that never completes fails at the connect timeout, not the response timeout', async () => {
    // Accepts TCP and then says nothing: the handshake hangs.
    const server = net.createServer((socket) => sockets.push(socket))
    servers.push(server)
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as net.AddressInfo).port
    const http = createHttpClient({
      name: 't',
      baseUrl: `https://127.0.0.1:${port}`,
      connectTimeoutMs: 200,
      timeoutMs: 20_000,
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 },
    })
    const t0 = Date.now()
    const err = await http.request('/x').catch((e) => e)
    expect(err).toBeInstanceOf(HttpError)
    expect(err.message).toMatch(/ETIMEDOUT|connect timeout/)
    expect(err.attempts).toBe(2)
    expect(Date.now() - t0).toBeLessThan(5_000)
    http.close()
  })
})

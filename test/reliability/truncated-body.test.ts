import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHttpClient } from '../../src/connectors/http/client.ts'

/**
 * A body cut off after the headers (the connection drops mid-way) is transient like a reset: an idempotent
 * request is retried, and one that keeps failing says so. Found by the fault matrix (`truncate` failed ServiceNow
 * syncs on the first cut-off page).
 */
describe('truncated response bodies', () => {
  let server: http.Server
  let base: string
  let cut = 0
  let calls = 0
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      calls++
      const body = JSON.stringify({ result: [{ sys_id: 'a'.repeat(32) }] })
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) })
      if (cut > 0) {
        cut--
        res.write(body.slice(0, 10))
        setTimeout(() => res.socket?.destroy(), 5)
        return
      }
      res.end(req.method === 'POST' ? '{}' : body)
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  const client = () =>
    createHttpClient({
      name: 'truncate',
      baseUrl: base,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    })

  it('retries a GET whose body was cut off, and returns the whole body', async () => {
    cut = 2
    calls = 0
    const res = await client().request<{ result: unknown[] }>('/api/now/table/x')
    expect(res.data.result).toHaveLength(1)
    expect(calls).toBe(3)
  })

  it('gives up after the attempt cap with an error that says the body was cut off', async () => {
    cut = 5
    calls = 0
    await expect(client().request('/api/now/table/x')).rejects.toThrow(
      /GET http:\/\/127\.0\.0\.1:\d+\/api\/now\/table\/x failed after 3 attempt\(s\): ERR_BAD_RESPONSE: stream has been aborted/,
    )
    expect(calls).toBe(3)
  })

  it('does not retry a non-idempotent POST (it may have been processed)', async () => {
    cut = 1
    calls = 0
    await expect(client().request('/api/now/table/x', { method: 'POST', body: {} })).rejects.toThrow(
      /aborted/,
    )
    expect(calls).toBe(1)
  })
})

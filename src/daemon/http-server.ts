import { createServer, type Server } from 'node:http'
import type { Registry } from 'prom-client'
import type { Logger } from '../core/logger.ts'
import type { Readiness } from './readiness.ts'

export interface HealthServerOptions {
  listen: string
  registry: Registry
  readiness: () => Promise<Readiness>
  logger: Logger
}

function splitListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':')
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) }
}

/** `/healthz` (the process answers), `/readyz` (store, role, connectors on schedule), `/metrics` (Prometheus). */
export async function startHealthServer(
  opts: HealthServerOptions,
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type })
      res.end(body)
    }
    if (req.method !== 'GET') return send(405, 'text/plain', 'method not allowed\n')
    if (path === '/healthz') return send(200, 'text/plain', 'ok\n')
    if (path === '/readyz') {
      opts
        .readiness()
        .then((r) => send(r.ready ? 200 : 503, 'application/json', `${JSON.stringify(r)}\n`))
        .catch((e: Error) =>
          send(503, 'application/json', `${JSON.stringify({ ready: false, error: e.message })}\n`),
        )
      return
    }
    if (path === '/metrics') {
      opts.registry
        .metrics()
        .then((text) => send(200, opts.registry.contentType, text))
        .catch((e: Error) => {
          opts.logger.warn({ err: e }, 'metrics collection failed')
          send(500, 'text/plain', 'metrics unavailable\n')
        })
      return
    }
    send(404, 'text/plain', 'not found: try /healthz, /readyz or /metrics\n')
  })
  const { host, port } = splitListen(opts.listen)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const addr = server.address()
  const actualPort = typeof addr === 'object' && addr ? addr.port : port
  return {
    server,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

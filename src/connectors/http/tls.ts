import { readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type { Socket } from 'node:net'
import { rootCertificates } from 'node:tls'
import type { Logger } from '../../core/logger.ts'

export interface TlsOptions {
  /** A PEM bundle added to (not replacing) Node's trusted roots: a corporate proxy or the sandbox's CA. */
  caFile?: string
  /** Turns certificate verification off. Logged loudly. */
  insecure?: boolean
}

export interface AgentOptions {
  tls?: TlsOptions
  /** Fail a connection (TCP and TLS handshake) that is not up within this time. */
  connectTimeoutMs?: number
  logger?: Logger
  /** Names the connector in the insecure warning. */
  name?: string
}

/** Reads the CA file once, with an error that names the file. */
export function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (e) {
    throw new Error(`tls.caFile ${path} cannot be read: ${(e as Error).message}`)
  }
}

/**
 * An https agent with the configured trust, keep-alive, and a connect timeout (Node has none of its own: a
 * black-holed host would otherwise hang until the response timeout). Shared with msal so token requests trust
 * the same CA.
 */
export function createHttpsAgent(opts: AgentOptions = {}): https.Agent {
  const ca = opts.tls?.caFile ? [...rootCertificates, readCaFile(opts.tls.caFile)] : undefined
  if (opts.tls?.insecure) {
    opts.logger?.warn(
      { connector: opts.name },
      'TLS CERTIFICATE VERIFICATION IS OFF (tls.insecure): this connection can be intercepted; never use it in production',
    )
  }
  const agent = new https.Agent({
    keepAlive: true,
    ca,
    rejectUnauthorized: !opts.tls?.insecure,
  })
  if (opts.connectTimeoutMs) withConnectTimeout(agent, opts.connectTimeoutMs, 'secureConnect')
  return agent
}

export function createHttpAgent(opts: AgentOptions = {}): http.Agent {
  const agent = new http.Agent({ keepAlive: true })
  if (opts.connectTimeoutMs) withConnectTimeout(agent, opts.connectTimeoutMs, 'connect')
  return agent
}

type CreateConnection = (options: unknown, cb?: unknown) => Socket

function withConnectTimeout(agent: http.Agent, ms: number, readyEvent: 'connect' | 'secureConnect'): void {
  const a = agent as unknown as { createConnection: CreateConnection }
  const original = a.createConnection.bind(agent)
  a.createConnection = (options, cb) => {
    const socket = original(options, cb)
    const timer = setTimeout(() => {
      const err = Object.assign(new Error(`connect timeout after ${ms} ms`), { code: 'ETIMEDOUT' })
      socket.destroy(err)
    }, ms)
    timer.unref()
    socket.once(readyEvent, () => clearTimeout(timer))
    socket.once('close', () => clearTimeout(timer))
    return socket
  }
}

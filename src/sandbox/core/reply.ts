import type { IncomingMessage } from 'node:http'

/**
 * What a route handler returns. Handlers never write to the socket themselves, so the core can apply rate-limit
 * headers, counting and faults (truncation, resets) the same way for every vendor.
 */
export interface Reply {
  status: number
  /** A header with an array value is sent as several header lines (Okta's separate `link` lines). */
  headers?: Record<string, string | string[]>
  /** An object is sent as JSON; a string or Buffer as is (set content-type yourself). */
  body?: unknown
}

export function json(status: number, body: unknown, headers: Record<string, string | string[]> = {}): Reply {
  return { status, body, headers }
}

export function text(status: number, body: string, contentType = 'text/plain; charset=utf-8'): Reply {
  return { status, body, headers: { 'content-type': contentType } }
}

/** An error thrown from a handler that already knows its vendor-shaped reply. */
export class ReplyError extends Error {
  readonly reply: Reply
  constructor(reply: Reply, message = `HTTP ${reply.status}`) {
    super(message)
    this.reply = reply
  }
}

/** Serialises a reply body; JSON unless it is already a string or bytes. */
export function encodeBody(reply: Reply): { bytes: Buffer; contentType: string | null } {
  const b = reply.body
  if (b === undefined || b === null) return { bytes: Buffer.alloc(0), contentType: null }
  if (Buffer.isBuffer(b)) return { bytes: b, contentType: 'application/octet-stream' }
  if (typeof b === 'string') return { bytes: Buffer.from(b), contentType: 'text/plain; charset=utf-8' }
  return { bytes: Buffer.from(JSON.stringify(b)), contentType: 'application/json; charset=utf-8' }
}

const MAX_BODY = 16 * 1024 * 1024

/** Reads a request body, refusing anything over 16 MiB. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY) throw new Error('request body over 16 MiB')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

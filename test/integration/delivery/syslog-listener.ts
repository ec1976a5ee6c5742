import net from 'node:net'
import tls from 'node:tls'

export interface SyslogListener {
  port: number
  messages: string[]
  connections: number
  /** Errors in framing: a strict receiver refuses what RFC 6587 octet counting does not allow. */
  errors: string[]
  close(): Promise<void>
}

/**
 * A syslog receiver on loopback, TCP or TLS, reading octet-counted frames strictly (or LF-terminated ones).
 * `dropAfter`: the first connection is destroyed once it has read that many messages, mid-stream, with
 * whatever is left in its buffers thrown away.
 */
export async function startSyslogListener(opts: {
  tls?: { cert: string; key: string }
  framing?: 'octet' | 'lf'
  dropAfter?: number
}): Promise<SyslogListener> {
  const state: SyslogListener = { port: 0, messages: [], connections: 0, errors: [], close: async () => {} }
  const sockets = new Set<net.Socket>()
  const onConnection = (socket: net.Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    const connection = ++state.connections
    let buf = Buffer.alloc(0)
    let read = 0
    socket.on('data', (chunk: Buffer) => {
      if (socket.destroyed) return
      buf = Buffer.concat([buf, chunk])
      for (;;) {
        let msg: string
        if (opts.framing === 'lf') {
          const nl = buf.indexOf(0x0a)
          if (nl < 0) break
          msg = buf.subarray(0, nl).toString('utf8')
          buf = buf.subarray(nl + 1)
        } else {
          const sp = buf.indexOf(0x20)
          if (sp < 0) break
          const len = buf.subarray(0, sp).toString('ascii')
          if (!/^[1-9][0-9]{0,8}$/.test(len)) {
            state.errors.push(`bad MSG-LEN ${JSON.stringify(len.slice(0, 20))}`)
            socket.destroy()
            return
          }
          const n = Number(len)
          if (buf.length < sp + 1 + n) break
          msg = buf.subarray(sp + 1, sp + 1 + n).toString('utf8')
          buf = buf.subarray(sp + 1 + n)
        }
        state.messages.push(msg)
        read++
        if (connection === 1 && opts.dropAfter !== undefined && read >= opts.dropAfter) {
          // TCP: a reset, as a crashed receiver sends; TLS sockets cannot reset, so they just go away.
          if (opts.tls) socket.destroy()
          else socket.resetAndDestroy()
          return
        }
      }
    })
    socket.on('end', () => socket.end())
  }
  const server = opts.tls
    ? tls.createServer({ cert: opts.tls.cert, key: opts.tls.key }, onConnection)
    : net.createServer(onConnection)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.port = (server.address() as net.AddressInfo).port
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    })
  return state
}

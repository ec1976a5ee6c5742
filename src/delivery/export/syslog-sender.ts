import net, { isIP, type Socket } from 'node:net'
import tls from 'node:tls'
import type { Logger } from '../../core/logger.ts'
import { backoffMs, sleep } from '../outbox/failure.ts'

export interface SyslogTarget {
  host: string
  port: number
  tls: boolean
  /** PEM bundle to trust instead of the system store (a private CA, a test listener). */
  ca?: string | Buffer
}

export interface SyslogSenderOptions {
  logger: Logger
  signal?: AbortSignal
  connectTimeoutMs?: number
  /** Reconnects tried for one batch before it fails (the exporter's cursor then stays put). */
  maxReconnects?: number
  backoff?: { baseMs: number; maxMs: number }
  /**
   * Frames written on the current connection that are kept to be sent again if it turns out broken: TCP has no
   * receipt, and bytes the kernel took can still die with the connection. At-least-once: receivers dedupe on
   * the finding uid and event time.
   */
  window?: number
}

export interface SyslogSender {
  /** Writes the frames in order; resolves when the socket took every byte (and has not failed since). */
  send(frames: readonly string[]): Promise<void>
  close(): Promise<void>
}

/**
 * Syslog over TCP or TLS (RFC 5425 / 6587): one long-lived connection, reconnected with backoff. When the
 * connection breaks, every frame of the batch in progress and the frames written on that connection before it
 * (up to `window`) are sent again on the next one, so a listener dropping the connection mid-stream loses
 * nothing.
 */
export function createSyslogSender(target: SyslogTarget, opts: SyslogSenderOptions): SyslogSender {
  const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000
  const maxReconnects = opts.maxReconnects ?? 8
  const backoff = opts.backoff ?? { baseMs: 200, maxMs: 30_000 }
  const window = opts.window ?? 10_000
  let socket: Socket | null = null
  let broken = false
  let unconfirmed: string[] = []

  const open = () =>
    new Promise<Socket>((resolve, reject) => {
      const s = target.tls
        ? tls.connect({
            host: target.host,
            port: target.port,
            ca: target.ca,
            servername: isIP(target.host) ? undefined : target.host,
          })
        : net.connect({ host: target.host, port: target.port })
      const timer = setTimeout(
        () => s.destroy(new Error(`connect timeout after ${connectTimeoutMs} ms`)),
        connectTimeoutMs,
      )
      s.once(target.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer)
        s.removeListener('error', reject)
        s.setKeepAlive(true, 30_000)
        s.setNoDelay(true)
        s.on('error', (e) => {
          broken = true
          opts.logger.warn({ err: e.message, host: target.host }, 'syslog connection failed')
        })
        s.on('close', () => {
          broken = true
        })
        // A receiver has nothing to say; reading keeps a half-closed peer from going unnoticed.
        s.on('data', () => {})
        s.on('end', () => {
          broken = true
        })
        resolve(s)
      })
      s.once('error', (e) => {
        clearTimeout(timer)
        reject(e)
      })
    })

  const connect = async () => {
    socket?.destroy()
    socket = null
    for (let attempt = 1; ; attempt++) {
      try {
        socket = await open()
        broken = false
        return
      } catch (e) {
        if (attempt > maxReconnects)
          throw new Error(
            `syslog ${target.host}:${target.port}: cannot connect after ${attempt} attempts: ${(e as Error).message}`,
          )
        opts.logger.info({ attempt, err: (e as Error).message }, 'syslog reconnecting')
        await sleep(backoffMs(attempt, backoff.baseMs, backoff.maxMs), opts.signal)
      }
    }
  }

  const writeAll = (s: Socket, frames: readonly string[]) =>
    new Promise<void>((resolve, reject) => {
      let i = 0
      const onError = (e: Error) => {
        cleanup()
        reject(e)
      }
      const onClose = () => {
        cleanup()
        reject(new Error('syslog connection closed while writing'))
      }
      const cleanup = () => {
        s.removeListener('error', onError)
        s.removeListener('close', onClose)
        s.removeListener('drain', pump)
      }
      s.on('error', onError)
      s.on('close', onClose)
      const pump = () => {
        while (i < frames.length) {
          const last = i === frames.length - 1
          const ok = s.write(
            frames[i++]!,
            last
              ? (err) => {
                  cleanup()
                  if (err) reject(err)
                  // Let a reset that raced the last write surface before calling the batch sent.
                  else setImmediate(() => (broken ? reject(new Error('syslog connection broke')) : resolve()))
                }
              : undefined,
          )
          if (!ok && !last) {
            s.once('drain', pump)
            return
          }
        }
      }
      if (frames.length === 0) {
        cleanup()
        resolve()
      } else pump()
    })

  return {
    async send(frames) {
      unconfirmed.push(...frames)
      for (let attempt = 0; ; attempt++) {
        const resend = !socket || broken
        // connect() has its own backoff and gives up with a clear error.
        if (resend) await connect()
        try {
          // A fresh connection carries everything the broken one may have lost, then the new frames.
          await writeAll(socket!, resend ? unconfirmed : frames)
          if (unconfirmed.length > window) unconfirmed = unconfirmed.slice(-window)
          return
        } catch (e) {
          broken = true
          if (attempt >= maxReconnects || opts.signal?.aborted) throw e
          await sleep(backoffMs(attempt + 1, backoff.baseMs, backoff.maxMs), opts.signal)
        }
      }
    },
    async close() {
      if (broken && unconfirmed.length > 0) await this.send([])
      const s = socket
      socket = null
      if (!s) return
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          s.destroy()
          resolve()
        }, 2_000)
        s.once('close', () => {
          clearTimeout(timer)
          resolve()
        })
        s.end()
      })
    },
  }
}

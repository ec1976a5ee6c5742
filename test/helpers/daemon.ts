import { type ChildProcess, spawn } from 'node:child_process'
import { ACCORD_BIN } from './cli.ts'

export interface DaemonProcess {
  child: ChildProcess
  url: string
  stderr: () => string
  exited: Promise<number | null>
}

/** Starts `accord daemon` on this Node and resolves once it prints its health URL. */
export function spawnDaemon(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<DaemonProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ACCORD_BIN, 'daemon', '--listen', '127.0.0.1:0', ...args], {
      env: { ...process.env, ACCORD_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let err = ''
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
    const timer = setTimeout(() => reject(new Error(`daemon did not start:\n${err}`)), 90_000)
    child.stderr!.on('data', (d: Buffer) => {
      err += d
      const m = /accord daemon: (http:\/\/[^/\s]+)\/healthz/.exec(err)
      if (m) {
        clearTimeout(timer)
        resolve({ child, url: m[1]!, stderr: () => err, exited })
      }
    })
    child.stdout!.resume()
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`daemon exited with ${code} before starting:\n${err}`))
    })
  })
}

export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(url)
  return { status: r.status, body: (await r.json()) as Record<string, unknown> }
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    try {
      const v = await probe()
      if (v) return v
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

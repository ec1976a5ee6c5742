import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { UserError } from '../core/errors.ts'

interface LockInfo {
  pid: number
  host: string
  startedAt: string
  command: string
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * The embedded store is one PGlite instance in one process: a second process on the same directory would
 * corrupt it. A lock file names the holder; a stale one (its process gone) is taken over.
 */
export function acquireDirLock(dir: string): () => void {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'accord.lock')
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    command: process.argv.slice(2).join(' '),
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600)
      writeSync(fd, JSON.stringify(info))
      closeSync(fd)
      let released = false
      const release = () => {
        if (released) return
        released = true
        process.removeListener('exit', release)
        try {
          const held = JSON.parse(readFileSync(file, 'utf8')) as LockInfo
          if (held.pid === process.pid) rmSync(file, { force: true })
        } catch {
          // already gone
        }
      }
      process.on('exit', release)
      return release
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      let held: LockInfo | null = null
      try {
        held = JSON.parse(readFileSync(file, 'utf8')) as LockInfo
      } catch {
        held = null
      }
      if (held && held.host === info.host && held.pid !== process.pid && alive(held.pid)) {
        throw new UserError(
          `the embedded store in ${dir} is in use by process ${held.pid} (accord ${held.command || ''}, since ${held.startedAt}).\n` +
            'The embedded store serves one process at a time: stop that process, or run on Postgres (store.url in the config).',
        )
      }
      if (held && held.host !== info.host) {
        throw new UserError(
          `the embedded store in ${dir} is locked by host ${held.host} (process ${held.pid}). If that host is gone, remove ${file}.`,
        )
      }
      rmSync(file, { force: true })
    }
  }
  throw new UserError(`could not lock the embedded store in ${dir}`)
}

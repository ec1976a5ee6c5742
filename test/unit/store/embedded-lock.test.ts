import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openStore } from '../../../src/store/open.ts'
import { runCli } from '../../helpers/cli.ts'

describe('the embedded store serves one process', () => {
  it('a second process on the same directory is refused with a clear message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accord-lock-'))
    writeFileSync(join(dir, 'accord.yaml'), 'store: { path: ./store }\n')
    const store = await openStore({ path: join(dir, 'store') })
    try {
      const r = await runCli(['migrate', '--config', join(dir, 'accord.yaml')])
      expect(r.code).toBe(2)
      expect(r.stderr).toContain(
        `the embedded store in ${join(dir, 'store')} is in use by process ${process.pid}`,
      )
      expect(r.stderr).toContain('run on Postgres')
      expect(r.stderr).not.toMatch(/\n\s+at /)
    } finally {
      await store.close()
    }
    const after = await runCli(['migrate', '--config', join(dir, 'accord.yaml')])
    expect(after.code).toBe(0)
    rmSync(dir, { recursive: true, force: true })
  }, 180_000)

  it('a lock left by a dead process is taken over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accord-lock-'))
    writeFileSync(
      join(dir, 'accord.lock'),
      JSON.stringify({
        pid: 2 ** 22 + 12345,
        host: (await import('node:os')).hostname(),
        startedAt: 'x',
        command: 'sync',
      }),
    )
    const store = await openStore({ path: dir })
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }, 60_000)
})

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { openStore } from '../../../src/store/open.ts'
import { type DaemonProcess, getJson, spawnDaemon, waitFor } from '../../helpers/daemon.ts'
import { TEST_DATABASE_URL } from '../../helpers/store.ts'

const dir = mkdtempSync(join(tmpdir(), 'accord-daemon-'))
const schema = `t_daemon_leader_${process.pid}`
const running: DaemonProcess[] = []

afterAll(async () => {
  for (const d of running) d.child.kill('SIGKILL')
  if (TEST_DATABASE_URL) {
    const s = await openStore({ url: TEST_DATABASE_URL })
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(s.db)
    await s.close()
  }
  rmSync(dir, { recursive: true, force: true })
})

describe.skipIf(!TEST_DATABASE_URL)('daemon leadership on Postgres [postgres]', () => {
  it('one replica leads; when its host dies (SIGKILL) the standby takes over once the lease expires', async () => {
    const config = join(dir, 'accord.yaml')
    writeFileSync(
      config,
      `store: { url: "${TEST_DATABASE_URL}", schema: ${schema} }\ndaemon: { leaseTtlMs: 1500, shutdownTimeoutMs: 5000 }\n`,
    )
    const a = await spawnDaemon(['--config', config])
    running.push(a)
    await waitFor('a to lead', async () => (await getJson(`${a.url}/readyz`)).body.role === 'leader')
    const b = await spawnDaemon(['--config', config])
    running.push(b)
    // b stands by while a renews its lease.
    await new Promise((r) => setTimeout(r, 2500))
    expect((await getJson(`${b.url}/readyz`)).body.role).toBe('standby')
    expect((await getJson(`${b.url}/readyz`)).status).toBe(200)

    a.child.kill('SIGKILL')
    const took = Date.now()
    await waitFor('b to lead', async () => (await getJson(`${b.url}/readyz`)).body.role === 'leader', 20_000)
    // Not before the dead leader's lease could expire, and not long after.
    expect(Date.now() - took).toBeLessThan(10_000)
    const metrics = await (await fetch(`${b.url}/metrics`)).text()
    expect(metrics).toMatch(/^accord_leader 1$/m)

    b.child.kill('SIGTERM')
    expect(await b.exited).toBe(0)
    // A graceful stop gives the lease up at once.
    const s = await openStore({ url: TEST_DATABASE_URL!, schema })
    const leases = await s.db.selectFrom('leases').selectAll().execute()
    await s.close()
    expect(leases).toEqual([])
  }, 120_000)
})

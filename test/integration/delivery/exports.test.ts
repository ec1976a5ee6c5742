import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import { Config } from '../../../src/config/schema.ts'
import { silentLogger } from '../../../src/core/logger.ts'
import { createExporter } from '../../../src/delivery/export/exporters.ts'
import { replayExporter, runExports } from '../../../src/delivery/export/run-exports.ts'
import { generateTlsMaterial } from '../../../src/sandbox/core/tls.ts'
import type { Store } from '../../../src/store/open.ts'
import { getExportCursor } from '../../../src/store/repositories/export-cursors.ts'
import { describeEachStore } from '../../helpers/store.ts'
import { decodeCef } from '../../unit/delivery/cef-decoder.ts'
import { ocsfErrors } from '../../unit/delivery/ocsf-validator.ts'
import { addEvent, upsertFinding } from './seed.ts'
import { type SyslogListener, startSyslogListener } from './syslog-listener.ts'

/** A minimal collector: every envelope it accepted, in order. */
async function startHec() {
  const envelopes: Record<string, unknown>[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      for (const l of body.split('\n').filter(Boolean)) envelopes.push(JSON.parse(l))
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"Success","code":0}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    envelopes,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

describeEachStore(import.meta.url, 'SIEM exports', (factory) => {
  let store: Store
  let dir: string
  let syslog: SyslogListener
  let hec: Awaited<ReturnType<typeof startHec>>
  let config: Config
  let seq = 0

  beforeAll(async () => {
    store = await factory.open()
  })
  afterAll(async () => {
    if (factory.kind === 'pglite') await store.close()
  })
  beforeEach(async () => {
    for (const t of ['export_cursors', 'outbox', 'finding_events', 'findings'] as const)
      await store.db.deleteFrom(t).execute()
    dir = mkdtempSync(join(tmpdir(), 'accord-export-'))
    syslog = await startSyslogListener({})
    hec = await startHec()
    config = Config.parse({
      exports: [
        { id: 'file-ocsf', type: 'file', format: 'ocsf', path: 'out/findings.ocsf.jsonl' },
        { id: 'file-cef', type: 'file', format: 'cef', path: 'out/findings.cef' },
        { id: 'siem', type: 'syslog', host: '127.0.0.1', port: syslog.port, tls: false },
        { id: 'splunk', type: 'splunk-hec', url: hec.url, token: 'hec-token-0001', batchSize: 7 },
      ],
    })
  })
  afterEach(async () => {
    await syslog.close()
    await hec.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** n findings, each opened, and every third one updated then resolved. */
  async function history(n: number) {
    for (let i = 0; i < n; i++) {
      const id = `f${++seq}`
      await upsertFinding(store.db, { id, entitlementName: `Group | ${i} = "x"\n` })
      await addEvent(store.db, { findingId: id, type: 'opened' })
      if (i % 3 === 0) {
        await addEvent(store.db, {
          findingId: id,
          type: 'updated',
          severity: 'critical',
          data: { severity: { from: 'high', to: 'critical' } },
        })
        await upsertFinding(store.db, { id, status: 'resolved' })
        await addEvent(store.db, { findingId: id, type: 'resolved' })
      }
    }
  }

  const run = (extra: Partial<Parameters<typeof runExports>[2]> = {}) =>
    runExports(store.db, config, { logger: silentLogger(), baseDir: dir, pageSize: 10, ...extra })

  const fileLines = (name: string) =>
    readFileSync(join(dir, 'out', name), 'utf8')
      .split('\n')
      .filter(Boolean)

  it('sends the whole history to every destination, in order, and valid', async () => {
    await history(12)
    const results = await run()
    expect(results.map((r) => [r.id, r.sent, r.error])).toEqual([
      ['file-ocsf', 20, null],
      ['file-cef', 20, null],
      ['siem', 20, null],
      ['splunk', 20, null],
    ])
    const ocsf = fileLines('findings.ocsf.jsonl').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(ocsf).toHaveLength(20)
    for (const e of ocsf) expect(ocsfErrors(e)).toEqual([])
    expect(ocsf.map((e) => e.activity_id)).toEqual([
      1, 2, 3, 1, 1, 1, 2, 3, 1, 1, 1, 2, 3, 1, 1, 1, 2, 3, 1, 1,
    ])
    const cef = fileLines('findings.cef').map(decodeCef)
    expect(cef.map((c) => c.extension.get('cs1'))).toEqual(
      ocsf.map((e) => (e.finding_info as { uid: string }).uid),
    )
    expect(cef[0]!.extension.get('dpriv')).toBe('Group | 0 = "x"\n')
    await waitFor(() => syslog.messages.length >= 20)
    expect(syslog.messages.map((m) => m.slice(m.indexOf('CEF:')))).toEqual(fileLines('findings.cef'))
    expect(syslog.messages[0]).toMatch(
      /^<164>1 2026-11-29T10:00:00.000Z \S+ accord - - - CEF:0\|accord\|accord\|/,
    )
    expect(hec.envelopes.map((h) => h.event)).toEqual(ocsf)
    for (const id of ['file-ocsf', 'siem', 'splunk'])
      expect(await getExportCursor(store.db, id)).toBe(results[0]!.to)
  })

  it('resumes from its cursor: a second run sends only what is new', async () => {
    await history(3)
    await run()
    await history(2)
    const second = await run()
    // history(3) wrote 5 events, history(2) 4 more.
    expect(second.map((r) => r.sent)).toEqual([4, 4, 4, 4])
    expect(fileLines('findings.ocsf.jsonl')).toHaveLength(9)
    expect(hec.envelopes).toHaveLength(9)
  })

  it('a destination failing mid-run keeps its cursor at the last page it took; the rerun loses nothing', async () => {
    await history(12)
    let pages = 0
    const failing: typeof createExporter = (c, ctx) => {
      const real = createExporter(c, ctx)
      if (c.id !== 'file-ocsf') return real
      return {
        id: c.id,
        write: async (records) => {
          if (++pages === 2) throw new Error('disk full')
          await real.write(records)
        },
        close: () => real.close(),
      }
    }
    const first = await run({ create: failing })
    expect(first[0]).toMatchObject({ id: 'file-ocsf', sent: 10, error: 'disk full' })
    // The others were not held up.
    expect(first.slice(1).map((r) => r.sent)).toEqual([20, 20, 20])
    const second = await run()
    expect(second[0]).toMatchObject({ sent: 10, error: null })
    const uids = fileLines('findings.ocsf.jsonl').map((l) => (JSON.parse(l).metadata as { uid: string }).uid)
    expect(uids).toHaveLength(20)
    expect(new Set(uids).size).toBe(20)
  })

  it('sends CEF over TLS syslog to a collector trusted through caFile, legacy RFC 3164 included', async () => {
    await history(3)
    const tls = await generateTlsMaterial()
    writeFileSync(join(dir, 'siem-ca.pem'), tls.caCert)
    const listener5424 = await startSyslogListener({ tls: { cert: tls.cert, key: tls.key } })
    const listener3164 = await startSyslogListener({ tls: { cert: tls.cert, key: tls.key }, framing: 'lf' })
    try {
      const tlsConfig = Config.parse({
        exports: [
          {
            id: 'tls',
            type: 'syslog',
            host: 'localhost',
            port: listener5424.port,
            tls: true,
            caFile: 'siem-ca.pem',
          },
          {
            id: 'bsd',
            type: 'syslog',
            host: 'localhost',
            port: listener3164.port,
            tls: true,
            caFile: 'siem-ca.pem',
            protocol: 'rfc3164',
            facility: 4,
          },
        ],
      })
      const r = await runExports(store.db, tlsConfig, { logger: silentLogger(), baseDir: dir })
      expect(r.map((x) => [x.id, x.sent, x.error])).toEqual([
        ['tls', 5, null],
        ['bsd', 5, null],
      ])
      await waitFor(() => listener5424.messages.length >= 5 && listener3164.messages.length >= 5)
      expect(listener5424.messages[0]).toMatch(/^<164>1 \S+ \S+ accord - - - CEF:0\|/)
      expect(listener3164.messages[0]).toMatch(/^<36>Nov 29 10:00:00 \S+ accord: CEF:0\|/)
      for (const m of listener5424.messages) decodeCef(m.slice(m.indexOf('CEF:')))
    } finally {
      await listener5424.close()
      await listener3164.close()
    }
  })

  it('replays from a point with the same metadata.uid, so receivers can drop what they have', async () => {
    await history(6)
    await run({ only: ['splunk'] })
    const before = hec.envelopes.map((h) => (h.event as { metadata: { uid: string } }).metadata.uid)
    await replayExporter(store.db, config, 'splunk', 0)
    const again = await run({ only: ['splunk'] })
    expect(again[0]!.sent).toBe(10)
    expect(
      hec.envelopes.slice(10).map((h) => (h.event as { metadata: { uid: string } }).metadata.uid),
    ).toEqual(before)
    await expect(replayExporter(store.db, config, 'nope', 0)).rejects.toThrow(/no exporter "nope"/)
  })
})

async function waitFor(cond: () => boolean, ms = 5_000) {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 10))
  }
}

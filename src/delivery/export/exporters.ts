import { mkdirSync, readFileSync } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { ExportConfig } from '../../config/schema.ts'
import type { Logger } from '../../core/logger.ts'
import { toCef } from './cef.ts'
import { createHecSender } from './hec-sender.ts'
import { type ExportRecord, type OcsfEvent, toOcsf } from './ocsf.ts'
import { formatSyslog, frame, syslogHostname, syslogSeverity } from './syslog-format.ts'
import { createSyslogSender } from './syslog-sender.ts'

/** One configured destination. `write` resolves once the destination has taken the whole batch. */
export interface Exporter {
  readonly id: string
  write(records: readonly ExportRecord[]): Promise<void>
  close(): Promise<void>
}

export interface ExporterContext {
  logger: Logger
  signal?: AbortSignal
  /** Relative paths (file exports, CA files) are relative to the config file's directory. */
  baseDir: string
  /** Where `stdout` exports write (tests capture it). */
  stdout?: NodeJS.WritableStream
}

export function formatLine(format: 'ocsf' | 'cef', e: OcsfEvent): string {
  return format === 'ocsf' ? JSON.stringify(e) : toCef(e)
}

/** Lines appended to a file and flushed to disk before the batch counts as written (the cursor follows). */
function fileExporter(id: string, format: 'ocsf' | 'cef', path: string): Exporter {
  let fh: FileHandle | null = null
  return {
    id,
    async write(records) {
      if (records.length === 0) return
      if (!fh) {
        mkdirSync(dirname(path), { recursive: true })
        fh = await open(path, 'a', 0o640)
      }
      await fh.write(`${records.map((r) => formatLine(format, toOcsf(r))).join('\n')}\n`)
      await fh.sync()
    },
    async close() {
      await fh?.close()
      fh = null
    },
  }
}

function streamExporter(id: string, format: 'ocsf' | 'cef', out: NodeJS.WritableStream): Exporter {
  return {
    id,
    write: (records) =>
      new Promise<void>((resolve, reject) => {
        if (records.length === 0) return resolve()
        out.write(`${records.map((r) => formatLine(format, toOcsf(r))).join('\n')}\n`, (err) =>
          err ? reject(err) : resolve(),
        )
      }),
    close: async () => {},
  }
}

export function createExporter(c: ExportConfig, ctx: ExporterContext): Exporter {
  const logger = ctx.logger.child({ exporter: c.id })
  switch (c.type) {
    case 'file':
      return fileExporter(c.id, c.format, resolve(ctx.baseDir, c.path))
    case 'stdout':
      return streamExporter(c.id, c.format, ctx.stdout ?? process.stdout)
    case 'syslog': {
      const sender = createSyslogSender(
        {
          host: c.host,
          port: c.port,
          tls: c.tls,
          ca: c.caFile ? readFileSync(resolve(ctx.baseDir, c.caFile)) : undefined,
        },
        { logger, signal: ctx.signal },
      )
      const host = syslogHostname()
      return {
        id: c.id,
        write: (records) =>
          sender.send(
            records.map((r) => {
              const e = toOcsf(r)
              const msg = formatSyslog(
                {
                  protocol: c.protocol,
                  facility: c.facility,
                  severity: syslogSeverity(e.severity_id),
                  time: new Date(e.time),
                  host,
                  app: 'accord',
                },
                toCef(e),
              )
              return frame(c.protocol, msg)
            }),
          ),
        close: () => sender.close(),
      }
    }
    case 'splunk-hec': {
      const sender = createHecSender(
        {
          url: c.url,
          token: c.token,
          index: c.index,
          sourcetype: c.sourcetype,
          host: syslogHostname(),
          ca: c.caFile ? readFileSync(resolve(ctx.baseDir, c.caFile)) : undefined,
        },
        { logger, signal: ctx.signal },
      )
      return {
        id: c.id,
        async write(records) {
          for (let i = 0; i < records.length; i += c.batchSize)
            await sender.send(records.slice(i, i + c.batchSize).map(toOcsf))
        },
        close: async () => {},
      }
    }
  }
}

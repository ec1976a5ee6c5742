import type { Config } from '../../config/schema.ts'
import { now } from '../../core/clock.ts'
import type { Logger } from '../../core/logger.ts'
import { redact } from '../../core/redact.ts'
import type { Db } from '../../store/database.ts'
import { getExportCursor, saveExportCursor } from '../../store/repositories/export-cursors.ts'
import { deliveryMetrics } from '../metrics.ts'
import { readEventPage } from './event-source.ts'
import { createExporter, type Exporter, type ExporterContext } from './exporters.ts'

export interface ExportRunOptions extends ExporterContext {
  logger: Logger
  /** Only these exporter ids (default: every configured one). */
  only?: string[]
  /** Events per read and per cursor save. */
  pageSize?: number
  /** Builds the exporter for a config entry (tests swap destinations in). */
  create?: typeof createExporter
}

export interface ExportRunResult {
  id: string
  sent: number
  from: number
  to: number
  error: string | null
}

/**
 * Runs every configured exporter over the finding history from its cursor. A page is read, written to the
 * destination, and only then is the cursor saved: at-least-once, in order, resumable after a crash at any
 * point. One exporter failing leaves its cursor where it was and does not stop the others.
 */
export async function runExports(db: Db, config: Config, opts: ExportRunOptions): Promise<ExportRunResult[]> {
  const pageSize = opts.pageSize ?? 500
  const metrics = deliveryMetrics()
  const results: ExportRunResult[] = []
  for (const c of config.exports) {
    if (opts.only && !opts.only.includes(c.id)) continue
    const from = await getExportCursor(db, c.id)
    const result: ExportRunResult = { id: c.id, sent: 0, from, to: from, error: null }
    results.push(result)
    let exporter: Exporter | null = null
    try {
      exporter = (opts.create ?? createExporter)(c, opts)
      for (;;) {
        if (opts.signal?.aborted) break
        const page = await readEventPage(db, { afterId: result.to, limit: pageSize })
        if (page.length === 0) break
        await exporter.write(page)
        const last = page[page.length - 1]!.event.id
        await saveExportCursor(db, c.id, last, now())
        result.to = last
        result.sent += page.length
        metrics.exported.inc({ exporter: c.id }, page.length)
      }
    } catch (e) {
      result.error = redact(e instanceof Error ? e.message : String(e))
      opts.logger.error({ exporter: c.id, err: result.error }, 'export failed')
    } finally {
      await exporter?.close().catch((e: unknown) => {
        result.error ??= redact(e instanceof Error ? e.message : String(e))
      })
    }
  }
  return results
}

/** Moves an exporter's cursor so the next run sends again from just after `eventId` (0: from the start). */
export async function replayExporter(
  db: Db,
  config: Config,
  exporterId: string,
  eventId: number,
): Promise<void> {
  if (!config.exports.some((e) => e.id === exporterId))
    throw new Error(
      `no exporter "${exporterId}" under exports (have: ${config.exports.map((e) => e.id).join(', ') || 'none'})`,
    )
  await saveExportCursor(db, exporterId, eventId, now())
}

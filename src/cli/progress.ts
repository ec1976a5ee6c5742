import { MultiBar, Presets, type SingleBar } from 'cli-progress'
import type { SyncProgress } from '../sync/run-connector.ts'

/**
 * Live progress of syncs on a TTY: one line per connector with the stream it is on, records written,
 * requests and rate-limit waits. Vendors give no totals for most listings, so it counts rather than fills.
 * Nothing is drawn when output is not a terminal or --json is set.
 */
export function syncProgress(enabled: boolean): { update(p: SyncProgress): void; stop(): void } {
  if (!enabled || !process.stderr.isTTY) return { update() {}, stop() {} }
  const multi = new MultiBar(
    {
      stream: process.stderr,
      clearOnComplete: false,
      hideCursor: true,
      format:
        '{connector} | {stream} ({mode}) | {records} records | {requests} requests | {throttled} throttled, {wait}s waiting',
    },
    Presets.shades_classic,
  )
  const bars = new Map<string, SingleBar>()
  return {
    update(p) {
      const payload = {
        connector: p.connectorId.padEnd(12),
        stream: p.stream,
        mode: p.mode,
        records: p.records,
        requests: p.requests,
        throttled: p.throttled,
        wait: (p.rateLimitWaitMs / 1000).toFixed(1),
      }
      const bar = bars.get(p.connectorId)
      if (bar) bar.update(p.records, payload)
      else bars.set(p.connectorId, multi.create(0, p.records, payload))
    },
    stop() {
      multi.stop()
    },
  }
}

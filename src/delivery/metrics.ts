import { Counter, Gauge, type Registry, register } from 'prom-client'
import type { Db } from '../store/database.ts'
import { outboxCounts } from '../store/repositories/outbox.ts'

export interface DeliveryMetrics {
  /** Sink calls by outcome: ok, retry, dead. */
  actions: Counter<'sink' | 'action' | 'outcome'>
  /** Events sent by each exporter. */
  exported: Counter<'exporter'>
}

const byRegistry = new WeakMap<Registry, DeliveryMetrics>()

/** The delivery counters, registered once per registry (the default one unless the daemon brings its own). */
export function deliveryMetrics(registry: Registry = register): DeliveryMetrics {
  let m = byRegistry.get(registry)
  if (!m) {
    m = {
      actions: new Counter({
        name: 'accord_delivery_actions_total',
        help: 'Ticket sink calls by sink, action and outcome (ok, retry, dead)',
        labelNames: ['sink', 'action', 'outcome'],
        registers: [registry],
      }),
      exported: new Counter({
        name: 'accord_export_events_total',
        help: 'Finding events delivered by each SIEM exporter',
        labelNames: ['exporter'],
        registers: [registry],
      }),
    }
    byRegistry.set(registry, m)
  }
  return m
}

/** The outbox by status (dead letters included), read from the store at each scrape. */
export function registerOutboxGauge(db: Db, registry: Registry = register): Gauge<'status'> {
  return new Gauge({
    name: 'accord_outbox_rows',
    help: 'Outbox rows by status: pending, in_flight, done, dead (dead letters wait for deliver --retry-dead)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await outboxCounts(db)
      for (const [status, n] of Object.entries(counts)) this.set({ status }, n)
    },
  })
}

import type { Config } from '../../config/schema.ts'
import { connectorFor } from '../../connectors/registry.ts'
import type { SinkContext, TicketSink } from '../../connectors/types.ts'
import { UserError } from '../../core/errors.ts'

/** One sink per `raise.sinks` entry, built by the connector of the same id. */
export function buildSinks(config: Config, ctx: SinkContext): Record<string, TicketSink> {
  const out: Record<string, TicketSink> = {}
  for (const [id, sinkConfig] of Object.entries(config.raise?.sinks ?? {})) {
    const conn = config.connectors.find((c) => c.id === id)
    if (!conn) throw new UserError(`raise.sinks.${id}: no connector has id "${id}"`)
    const connector = connectorFor(conn.kind)
    if (!connector?.createSink || !connector.sinkConfigSchema)
      throw new UserError(`raise.sinks.${id}: the ${conn.kind} connector cannot raise tickets yet`)
    const parsed = connector.sinkConfigSchema.parse(sinkConfig)
    out[id] = connector.createSink(conn, parsed, { ...ctx, logger: ctx.logger.child({ sink: id }) })
  }
  return out
}

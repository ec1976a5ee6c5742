import { z } from 'zod'
import { CronExpression } from './cron.ts'

/** Connector ids name sources in the store and sinks in `raise`: keep them short and stable. */
export const ConnectorId = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'expected lowercase letters, digits, "-" or "_", starting with a letter')

/** An http(s) URL. Plain http is accepted here and refused by the HTTP client unless it points at loopback. */
export const HttpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' })

/** Fields every connector has, whatever its kind. */
export const connectorCommon = {
  id: ConnectorId,
  schedule: CronExpression.default('*/15 * * * *'),
  /** A full run is forced on this schedule (default daily at 02:00). */
  fullSchedule: CronExpression.default('0 2 * * *'),
  pageSize: z.int().positive().optional(),
  rateLimit: z
    .strictObject({
      concurrency: z.int().min(1).max(64).default(4),
      perSecond: z.number().positive().optional(),
    })
    .default({ concurrency: 4 }),
  tls: z
    .strictObject({
      caFile: z.string().min(1).optional(),
      /** Turns certificate verification off. Logged loudly on every run; never for production. */
      insecure: z.boolean().default(false),
    })
    .default({ insecure: false }),
  timeoutMs: z.int().min(100).default(30_000),
  /** Share of records that may fail validation before the run fails (0.01 = 1%). */
  maxInvalidShare: z.number().min(0).max(1).default(0.01),
}

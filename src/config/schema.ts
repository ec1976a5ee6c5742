import { z } from 'zod'
import { connectors } from '../connectors/registry.ts'
import { RuleId } from '../model/rule-id.ts'
import { Severity } from '../model/severity.ts'
import { ConnectorId, HttpUrl } from './connector-common.ts'
import { CronExpression } from './cron.ts'

/** The connector config union, assembled from the registry: each kind's schema lives in its folder. */
export const ConnectorConfig = z.discriminatedUnion('kind', [
  connectors.servicenow.configSchema,
  connectors.jira.configSchema,
  connectors.entra.configSchema,
  connectors.okta.configSchema,
])
export type ConnectorConfig = z.infer<typeof ConnectorConfig>

const Route = z.strictObject({
  when: z
    .strictObject({
      source: z.string().optional(),
      rule: z.union([RuleId, z.array(RuleId)]).optional(),
      severity: Severity.optional(),
    })
    .optional(),
  to: ConnectorId,
})

const ExportCommon = { id: ConnectorId }
export const ExportConfig = z.discriminatedUnion('type', [
  z.strictObject({
    ...ExportCommon,
    type: z.literal('file'),
    format: z.enum(['ocsf', 'cef']).default('ocsf'),
    path: z.string().min(1),
  }),
  z.strictObject({
    ...ExportCommon,
    type: z.literal('stdout'),
    format: z.enum(['ocsf', 'cef']).default('ocsf'),
  }),
  z.strictObject({
    ...ExportCommon,
    type: z.literal('syslog'),
    format: z.literal('cef').default('cef'),
    host: z.string().min(1),
    port: z.int().min(1).max(65535).default(6514),
    tls: z.boolean().default(true),
    caFile: z.string().optional(),
    /** RFC 5424 (default) or the legacy BSD format. */
    protocol: z.enum(['rfc5424', 'rfc3164']).default('rfc5424'),
    facility: z.int().min(0).max(23).default(20),
  }),
  z.strictObject({
    ...ExportCommon,
    type: z.literal('splunk-hec'),
    url: HttpUrl,
    token: z.string().min(1),
    index: z.string().optional(),
    sourcetype: z.string().default('ocsf:accord'),
    batchSize: z.int().min(1).max(1000).default(100),
    caFile: z.string().optional(),
  }),
])
export type ExportConfig = z.infer<typeof ExportConfig>

export const Config = z
  .strictObject({
    /** Omitted: an embedded PGlite store in ./.accord/ (or `path`). */
    store: z
      .strictObject({
        url: z
          .string()
          .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
          .optional(),
        path: z.string().min(1).optional(),
        /** Postgres schema to use (default: the connection's search_path). */
        schema: z
          .string()
          .regex(/^[a-z_][a-z0-9_]*$/)
          .optional(),
      })
      .default({}),
    connectors: z.array(ConnectorConfig).default([]),
    /** The policy file, relative to this file. */
    policy: z.string().min(1).optional(),
    reconcile: z
      .strictObject({
        schedule: CronExpression.default('*/15 * * * *'),
        lookBackDays: z.int().positive().default(400),
      })
      .default({ schedule: '*/15 * * * *', lookBackDays: 400 }),
    raise: z
      .strictObject({
        minSeverity: Severity.default('high'),
        maxNewPerRun: z.int().min(0).default(50),
        routes: z.array(Route).default([]),
        sinks: z.record(ConnectorId, z.record(z.string(), z.unknown())).default({}),
      })
      .optional(),
    exports: z.array(ExportConfig).default([]),
    daemon: z
      .strictObject({
        listen: z
          .string()
          .regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-f:]+\]:\d{1,5}$/i, 'expected host:port')
          .default('127.0.0.1:9464'),
        shutdownTimeoutMs: z.int().min(0).default(30_000),
        leaseTtlMs: z.int().min(1000).default(30_000),
        deliverSchedule: CronExpression.default('*/5 * * * *'),
      })
      .default({
        listen: '127.0.0.1:9464',
        shutdownTimeoutMs: 30_000,
        leaseTtlMs: 30_000,
        deliverSchedule: '*/5 * * * *',
      }),
  })
  .superRefine((c, ctx) => {
    const seen = new Map<string, number>()
    c.connectors.forEach((conn, i) => {
      const first = seen.get(conn.id)
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['connectors', i, 'id'],
          message: `duplicate id "${conn.id}" (also connectors[${first}])`,
        })
      } else seen.set(conn.id, i)
    })
    const exportIds = new Set<string>()
    c.exports.forEach((e, i) => {
      if (exportIds.has(e.id))
        ctx.addIssue({ code: 'custom', path: ['exports', i, 'id'], message: `duplicate id "${e.id}"` })
      exportIds.add(e.id)
    })
    if (!c.raise) return
    const byId = new Map(c.connectors.map((conn) => [conn.id, conn]))
    for (const [sinkId, sinkConfig] of Object.entries(c.raise.sinks)) {
      const conn = byId.get(sinkId)
      const schema = conn && connectors[conn.kind].sinkConfigSchema
      if (!conn) {
        ctx.addIssue({
          code: 'custom',
          path: ['raise', 'sinks', sinkId],
          message: `no connector has id "${sinkId}"`,
        })
      } else if (!schema) {
        ctx.addIssue({
          code: 'custom',
          path: ['raise', 'sinks', sinkId],
          message: `a ${conn.kind} connector cannot raise tickets`,
        })
      } else {
        const r = schema.safeParse(sinkConfig)
        if (!r.success) {
          for (const issue of r.error.issues) {
            ctx.addIssue({
              code: 'custom',
              path: ['raise', 'sinks', sinkId, ...issue.path],
              message: issue.message,
            })
          }
        } else c.raise.sinks[sinkId] = r.data as Record<string, unknown>
      }
    }
    c.raise.routes.forEach((r, i) => {
      if (!(r.to in c.raise!.sinks)) {
        ctx.addIssue({
          code: 'custom',
          path: ['raise', 'routes', i, 'to'],
          message: `no sink "${r.to}" under raise.sinks`,
        })
      }
    })
  })
export type Config = z.infer<typeof Config>

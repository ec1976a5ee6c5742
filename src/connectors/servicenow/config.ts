import { z } from 'zod'
import { connectorCommon, HttpUrl } from '../../config/connector-common.ts'
import { TicketMap } from '../../config/mapping.ts'
import { Duration } from '../../core/duration.ts'

const Auth = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('basic'), username: z.string().min(1), password: z.string().min(1) }),
  z.strictObject({
    type: z.literal('oauth'),
    /** `password` (with username and password) or `client_credentials` (Washington DC and later). */
    grant: z.enum(['password', 'client_credentials']).default('password'),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    username: z.string().optional(),
    password: z.string().optional(),
    tokenUrl: HttpUrl.optional(),
  }),
])

export const ServiceNowConfig = z
  .strictObject({
    ...connectorCommon,
    kind: z.literal('servicenow'),
    baseUrl: HttpUrl,
    auth: Auth,
    tickets: z
      .strictObject({
        table: z
          .string()
          .regex(/^[a-z0-9_]+$/, 'expected a table name')
          .default('sc_req_item'),
        /** An encoded query selecting the access tickets (`cat_item.name=Access Request`). */
        filter: z.string().default(''),
        map: TicketMap,
        /** Incremental runs re-read this much before the watermark (clock skew, slow commits). */
        overlap: Duration.default(5 * 60_000),
      })
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.auth.type === 'oauth' && c.auth.grant === 'password' && !(c.auth.username && c.auth.password)) {
      ctx.addIssue({
        code: 'custom',
        path: ['auth'],
        message: 'the password grant needs username and password',
      })
    }
  })
export type ServiceNowConfig = z.infer<typeof ServiceNowConfig>

/** `raise.sinks.<id>` for a ServiceNow connector: where and how findings become records. */
export const ServiceNowSinkConfig = z.strictObject({
  table: z
    .string()
    .regex(/^[a-z0-9_]+$/)
    .default('incident'),
  assignmentGroup: z.string().optional(),
  category: z.string().default('inquiry'),
  /** Field names differ between instances. */
  fields: z
    .strictObject({
      correlationId: z.string().default('correlation_id'),
      shortDescription: z.string().default('short_description'),
      description: z.string().default('description'),
      workNotes: z.string().default('work_notes'),
    })
    .default({
      correlationId: 'correlation_id',
      shortDescription: 'short_description',
      description: 'description',
      workNotes: 'work_notes',
    }),
  resolve: z
    .strictObject({
      state: z.string().default('6'),
      closeCode: z.string().default('Resolved by caller'),
      closeNotesField: z.string().default('close_notes'),
      closeCodeField: z.string().default('close_code'),
    })
    .default({
      state: '6',
      closeCode: 'Resolved by caller',
      closeNotesField: 'close_notes',
      closeCodeField: 'close_code',
    }),
  /** The state a recurrence reopens to; when the instance forbids reopening, a new record references the old. */
  reopenState: z.string().default('1'),
  allowReopen: z.boolean().default(true),
})
export type ServiceNowSinkConfig = z.infer<typeof ServiceNowSinkConfig>

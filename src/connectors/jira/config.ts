import { z } from 'zod'
import { connectorCommon, HttpUrl } from '../../config/connector-common.ts'
import { TicketMap } from '../../config/mapping.ts'
import { Duration } from '../../core/duration.ts'

export const JiraConfig = z.strictObject({
  ...connectorCommon,
  kind: z.literal('jira'),
  baseUrl: HttpUrl,
  /** Email + API token. OAuth 2.0 (3LO) needs persisted rotating refresh tokens: not supported yet. */
  auth: z.strictObject({ type: z.literal('basic'), email: z.string().min(1), token: z.string().min(1) }),
  tickets: z
    .strictObject({
      jql: z.string().trim().min(1, 'expected a JQL query selecting the access requests'),
      map: TicketMap,
      /** Status names that decide the state when the status category alone cannot. */
      statuses: z
        .strictObject({
          fulfilled: z.array(z.string()).default([]),
          rejected: z.array(z.string()).default(['Declined', 'Rejected']),
          cancelled: z.array(z.string()).default(['Canceled', 'Cancelled', "Won't Do"]),
        })
        .default({
          fulfilled: [],
          rejected: ['Declined', 'Rejected'],
          cancelled: ['Canceled', 'Cancelled', "Won't Do"],
        }),
      approvals: z.boolean().default(true),
      overlap: Duration.default(5 * 60_000),
    })
    .optional(),
  /** How long Jira search may lag a write (it is eventually consistent). */
  searchConsistencyMs: z.int().min(0).default(5_000),
})
export type JiraConfig = z.infer<typeof JiraConfig>

export const JiraSinkConfig = z.strictObject({
  project: z.string().min(1),
  issueType: z.string().default('Task'),
  label: z.string().default('accord-finding'),
  doneStatus: z.string().default('Done'),
  reopenStatus: z.string().default('To Do'),
  priorities: z
    .strictObject({
      critical: z.string().default('Highest'),
      high: z.string().default('High'),
      medium: z.string().default('Medium'),
      low: z.string().default('Low'),
    })
    .default({ critical: 'Highest', high: 'High', medium: 'Medium', low: 'Low' }),
})
export type JiraSinkConfig = z.infer<typeof JiraSinkConfig>

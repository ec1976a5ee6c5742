import { z } from 'zod'

/** Raw Jira Cloud and JSM shapes (vendor-apis.md section 2), tolerant of members we do not read. */

export const JiraUserRaw = z.looseObject({
  accountId: z.string(),
  displayName: z.string().optional(),
  /** Often hidden by the user's privacy settings. */
  emailAddress: z.string().optional(),
  active: z.boolean().optional(),
})
export type JiraUserRaw = z.infer<typeof JiraUserRaw>

/**
 * An issue from search. `fields` is required: search returns only `id` unless `fields` is asked for, and an
 * issue without them cannot be mapped (reported as invalid, not silently empty).
 */
export const JiraIssueRaw = z.looseObject({
  id: z.string(),
  key: z.string(),
  fields: z.record(z.string(), z.unknown(), {
    error:
      'missing: Jira returned the issue without fields (search returns only ids unless fields are requested)',
  }),
})
export type JiraIssueRaw = z.infer<typeof JiraIssueRaw>

export const JiraSearchPage = z.object({
  issues: z.array(z.unknown()),
  nextPageToken: z.string().nullish(),
  isLast: z.boolean().optional(),
})

/** `/rest/api/3/field`: ids, display names, custom or not. */
export const JiraFieldList = z.array(
  z.looseObject({ id: z.string(), name: z.string(), custom: z.boolean().optional() }),
)

const JsmDate = z
  .looseObject({ iso8601: z.string().optional(), epochMillis: z.number().optional() })
  .nullish()

export const JsmDecision = z.enum(['approved', 'declined', 'pending'])

export const JsmApproval = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  finalDecision: JsmDecision,
  approvers: z.array(z.looseObject({ approver: JiraUserRaw, approverDecision: JsmDecision })).default([]),
  createdDate: JsmDate,
  completedDate: JsmDate,
})
export type JsmApproval = z.infer<typeof JsmApproval>

/** A servicedeskapi page: offset paging with `start`, `limit`, `isLastPage`. */
export const JsmApprovalPage = z.looseObject({
  start: z.number().optional(),
  limit: z.number().optional(),
  size: z.number().optional(),
  isLastPage: z.boolean(),
  values: z.array(JsmApproval),
})

export const JiraCreated = z.looseObject({ id: z.string(), key: z.string() })

export const JiraTransitions = z.looseObject({
  transitions: z.array(
    z.looseObject({ id: z.string(), name: z.string(), to: z.looseObject({ name: z.string() }).optional() }),
  ),
})

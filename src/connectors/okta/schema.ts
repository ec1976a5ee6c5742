/**
 * Raw Okta Management API shapes (vendor-apis.md section 4), validated at the edge. Objects are loose: Okta
 * adds fields over time and we must not reject a page for a field we do not read. Nothing here leaves the
 * okta folder; transform.ts turns these into the model.
 */
import { z } from 'zod'

/** Okta timestamps are ISO-8601 with `Z` and milliseconds (`2022-04-04T15:56:05.000Z`). */
const Iso = z.iso.datetime({ offset: true })
const IsoNull = Iso.nullable().optional()

export const OKTA_USER_STATUSES = [
  'STAGED',
  'PROVISIONED',
  'ACTIVE',
  'RECOVERY',
  'PASSWORD_EXPIRED',
  'LOCKED_OUT',
  'SUSPENDED',
  'DEPROVISIONED',
] as const

export const OktaUser = z.looseObject({
  id: z.string().min(1),
  status: z.enum(OKTA_USER_STATUSES),
  created: Iso,
  lastUpdated: Iso,
  statusChanged: IsoNull,
  lastLogin: IsoNull,
  profile: z.looseObject({
    login: z.string().min(1),
    email: z.string().nullable().optional(),
    firstName: z.string().nullable().optional(),
    lastName: z.string().nullable().optional(),
    displayName: z.string().nullable().optional(),
  }),
})
export type OktaUser = z.infer<typeof OktaUser>

export const OktaGroup = z.looseObject({
  id: z.string().min(1),
  created: Iso,
  lastUpdated: Iso,
  lastMembershipUpdated: Iso,
  type: z.string(),
  profile: z.looseObject({ name: z.string(), description: z.string().nullable().optional() }),
})
export type OktaGroup = z.infer<typeof OktaGroup>

/** A group member as `/groups/{id}/users` lists it: a user object; only the id matters for the grant. */
export const OktaGroupMember = z.looseObject({ id: z.string().min(1) })
export type OktaGroupMember = z.infer<typeof OktaGroupMember>

export const OktaApp = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  label: z.string(),
  status: z.string(),
  created: Iso,
  lastUpdated: Iso,
  signOnMode: z.string().optional(),
  credentials: z
    .looseObject({ oauthClient: z.looseObject({ client_id: z.string().optional() }).optional() })
    .optional(),
  settings: z
    .looseObject({
      oauthClient: z.looseObject({ application_type: z.string().optional() }).nullable().optional(),
    })
    .optional(),
})
export type OktaApp = z.infer<typeof OktaApp>

/** `/apps/{id}/users`: `id` is the user's id; `scope` GROUP means the user has it through a group. */
export const OktaAppUser = z.looseObject({
  id: z.string().min(1),
  scope: z.enum(['USER', 'GROUP']),
  status: z.string().optional(),
  created: Iso,
  lastUpdated: Iso.optional(),
  credentials: z.looseObject({ userName: z.string().nullable().optional() }).nullable().optional(),
})
export type OktaAppUser = z.infer<typeof OktaAppUser>

/** `/apps/{id}/groups`: `id` is the group's id. */
export const OktaAppGroup = z.looseObject({
  id: z.string().min(1),
  priority: z.number().optional(),
  lastUpdated: Iso.optional(),
})
export type OktaAppGroup = z.infer<typeof OktaAppGroup>

/** `/users/{id}/roles`. Custom roles carry `role` (the custom role id) and `resource-set`. */
export const OktaRoleAssignment = z.looseObject({
  id: z.string().min(1),
  label: z.string(),
  type: z.string().min(1),
  status: z.string().optional(),
  created: Iso.optional(),
  lastUpdated: Iso.optional(),
  assignmentType: z.enum(['USER', 'GROUP', 'CLIENT']).optional(),
  role: z.string().optional(),
  'resource-set': z.string().optional(),
  _links: z.looseObject({ assignee: z.looseObject({ href: z.string() }).optional() }).optional(),
})
export type OktaRoleAssignment = z.infer<typeof OktaRoleAssignment>

/** `/api/v1/iam/assignees/users`: an envelope, unlike the other lists, with its next link in `_links`. */
export const OktaRoleAssignedUsers = z.looseObject({
  value: z.array(z.looseObject({ id: z.string().min(1), orn: z.string().optional() })),
  _links: z
    .looseObject({ next: z.looseObject({ href: z.string() }).nullable().optional() })
    .nullable()
    .optional(),
})
export type OktaRoleAssignedUsers = z.infer<typeof OktaRoleAssignedUsers>

/** `/api/v1/api-tokens`: metadata only, never the token value. */
export const OktaApiToken = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  userId: z.string().min(1),
  clientName: z.string().optional(),
  created: Iso,
  lastUpdated: Iso.optional(),
  expiresAt: IsoNull,
  tokenWindow: z.string().optional(),
})
export type OktaApiToken = z.infer<typeof OktaApiToken>

const LogActor = z.looseObject({
  id: z.string(),
  type: z.string(),
  alternateId: z.string().nullable().optional(),
  displayName: z.string().nullable().optional(),
})

export const OktaLogEvent = z.looseObject({
  uuid: z.string().min(1),
  published: Iso,
  eventType: z.string(),
  outcome: z.looseObject({ result: z.string() }).nullable().optional(),
  actor: LogActor.nullable().optional(),
  target: z.array(LogActor).nullable().optional(),
})
export type OktaLogEvent = z.infer<typeof OktaLogEvent>

/** Okta's error body (`ModelError`); E0000047 is the rate limit. */
export const OktaErrorBody = z.looseObject({
  errorCode: z.string(),
  errorSummary: z.string(),
  errorLink: z.string().optional(),
  errorId: z.string().optional(),
  errorCauses: z.array(z.looseObject({ errorSummary: z.string().optional() })).optional(),
})
export type OktaErrorBody = z.infer<typeof OktaErrorBody>

export const OktaTokenResponse = z.looseObject({
  token_type: z.string(),
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  scope: z.string().optional(),
})
export type OktaTokenResponse = z.infer<typeof OktaTokenResponse>

export const OktaOAuthError = z.looseObject({
  error: z.string(),
  error_description: z.string().optional(),
})

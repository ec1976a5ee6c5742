import { z } from 'zod'

/**
 * Raw Microsoft Graph v1.0 payloads as accord reads them (vendor-apis.md section 3). Loose objects: Graph adds
 * properties over time and they must not fail a sync. Only what the transforms use is declared.
 */

/** ISO-8601 with an offset (Graph sends UTC with `Z`). */
const IsoTime = z.iso.datetime({ offset: true })

export const RemovedMarker = z.looseObject({ reason: z.string().optional() })

/** Any delta item: a removal is `{ id, "@removed": { reason } }` and nothing else can be trusted in it. */
export const RawRemoved = z.looseObject({ id: z.string().min(1), '@removed': RemovedMarker })
export type RawRemoved = z.infer<typeof RawRemoved>

export const USER_SELECT = [
  'id',
  'displayName',
  'userPrincipalName',
  'mail',
  'accountEnabled',
  'userType',
  'createdDateTime',
  'employeeId',
] as const

/**
 * A user from `/users/delta`. In a delta round Graph may send only changed properties, so every property but
 * the id is optional here; the stream fills what is missing from the stored identity.
 */
export const RawUser = z.looseObject({
  id: z.string().min(1),
  displayName: z.string().nullable().optional(),
  userPrincipalName: z.string().min(1).optional(),
  mail: z.string().nullable().optional(),
  accountEnabled: z.boolean().nullable().optional(),
  userType: z.string().nullable().optional(),
  createdDateTime: IsoTime.nullable().optional(),
})
export type RawUser = z.infer<typeof RawUser>

export const GROUP_SELECT = [
  'id',
  'displayName',
  'securityEnabled',
  'mailEnabled',
  'groupTypes',
  'members',
] as const

/** A member reference in `members@delta`: a user, group, service principal, contact or device. */
export const RawMemberRef = z.looseObject({
  '@odata.type': z.string().optional(),
  id: z.string().min(1),
  '@removed': RemovedMarker.optional(),
})
export type RawMemberRef = z.infer<typeof RawMemberRef>

export const RawGroup = z.looseObject({
  id: z.string().min(1),
  displayName: z.string().nullable().optional(),
  securityEnabled: z.boolean().nullable().optional(),
  mailEnabled: z.boolean().nullable().optional(),
  groupTypes: z.array(z.string()).nullable().optional(),
  'members@delta': z.array(RawMemberRef).optional(),
})
export type RawGroup = z.infer<typeof RawGroup>

export const RawPasswordCredential = z.looseObject({
  keyId: z.string().min(1),
  displayName: z.string().nullable().optional(),
  startDateTime: IsoTime.nullable().optional(),
  endDateTime: IsoTime.nullable().optional(),
})

export const RawKeyCredential = z.looseObject({
  keyId: z.string().min(1),
  displayName: z.string().nullable().optional(),
  type: z.string().nullable().optional(),
  usage: z.string().nullable().optional(),
  startDateTime: IsoTime.nullable().optional(),
  endDateTime: IsoTime.nullable().optional(),
})

export const RawAppRole = z.looseObject({
  id: z.string().min(1),
  displayName: z.string().nullable().optional(),
  value: z.string().nullable().optional(),
  isEnabled: z.boolean().nullable().optional(),
})
export type RawAppRole = z.infer<typeof RawAppRole>

/**
 * Listed without `$select`: the creation time is not a documented v1.0 property of every SP, and selecting an
 * unknown property is a 400, so the SP's default properties come back and `createdDateTime` is read if there.
 */
export const RawServicePrincipal = z.looseObject({
  id: z.string().min(1),
  createdDateTime: IsoTime.nullable().optional(),
  appId: z.string().min(1),
  displayName: z.string().nullable().optional(),
  servicePrincipalType: z.string().nullable().optional(),
  accountEnabled: z.boolean().nullable().optional(),
  appOwnerOrganizationId: z.string().nullable().optional(),
  passwordCredentials: z.array(RawPasswordCredential).nullable().optional(),
  keyCredentials: z.array(RawKeyCredential).nullable().optional(),
})
export type RawServicePrincipal = z.infer<typeof RawServicePrincipal>

export const RESOURCE_SELECT = ['id', 'appId', 'displayName', 'appOwnerOrganizationId', 'appRoles'] as const

/** A service principal as a resource whose app roles are assigned. */
export const RawResource = z.looseObject({
  id: z.string().min(1),
  appId: z.string().optional(),
  displayName: z.string().nullable().optional(),
  appOwnerOrganizationId: z.string().nullable().optional(),
  appRoles: z.array(RawAppRole).nullable().optional(),
})
export type RawResource = z.infer<typeof RawResource>

export const APPLICATION_SELECT = [
  'id',
  'appId',
  'displayName',
  'createdDateTime',
  'passwordCredentials',
  'keyCredentials',
] as const

export const RawApplication = z.looseObject({
  id: z.string().min(1),
  appId: z.string().min(1),
  displayName: z.string().nullable().optional(),
  createdDateTime: IsoTime.nullable().optional(),
  passwordCredentials: z.array(RawPasswordCredential).nullable().optional(),
  keyCredentials: z.array(RawKeyCredential).nullable().optional(),
})
export type RawApplication = z.infer<typeof RawApplication>

/** An owner is a directoryObject: a user or a service principal (`@odata.type` says which). */
export const RawOwner = z.looseObject({
  '@odata.type': z.string().optional(),
  id: z.string().min(1),
})

export const RawAppRoleAssignment = z.looseObject({
  id: z.string().min(1),
  appRoleId: z.string().min(1),
  principalId: z.string().min(1),
  principalType: z.string(),
  resourceId: z.string().min(1),
  createdDateTime: IsoTime.nullable().optional(),
  deletedDateTime: IsoTime.nullable().optional(),
})
export type RawAppRoleAssignment = z.infer<typeof RawAppRoleAssignment>

export const RawRoleDefinition = z.looseObject({
  id: z.string().min(1),
  displayName: z.string(),
  templateId: z.string().nullable().optional(),
  isBuiltIn: z.boolean().nullable().optional(),
})
export type RawRoleDefinition = z.infer<typeof RawRoleDefinition>

export const RawRoleAssignment = z.looseObject({
  id: z.string().min(1),
  principalId: z.string().min(1),
  roleDefinitionId: z.string().min(1),
  directoryScopeId: z.string().nullable().optional(),
})
export type RawRoleAssignment = z.infer<typeof RawRoleAssignment>

/** An eligible (PIM) role assignment: `/roleManagement/directory/roleEligibilitySchedules`. */
export const RawRoleEligibility = z.looseObject({
  id: z.string().min(1),
  principalId: z.string().min(1),
  roleDefinitionId: z.string().min(1),
  directoryScopeId: z.string().nullable().optional(),
  status: z.string().nullable().optional(),
  createdDateTime: IsoTime.nullable().optional(),
})
export type RawRoleEligibility = z.infer<typeof RawRoleEligibility>

/** One response of a JSON `$batch`. */
export const RawBatchResponse = z.looseObject({
  responses: z.array(
    z.looseObject({
      id: z.string(),
      status: z.number(),
      headers: z.record(z.string(), z.string()).nullable().optional(),
      body: z.unknown().optional(),
    }),
  ),
})

/** Graph's error body (branch on `code`, never on `message`). */
export const RawGraphError = z.looseObject({
  error: z.looseObject({ code: z.string(), message: z.string().optional() }),
})

import { json, type Reply } from '../core/index.ts'

/** ServiceNow's error envelope: `{"error":{"message","detail"},"status":"failure"}` (vendor-apis.md 1.9). */
export function snError(
  status: number,
  message: string,
  detail: string,
  headers?: Record<string, string>,
): Reply {
  return json(status, { error: { message, detail }, status: 'failure' }, headers)
}

export const NO_RECORD_DETAIL = "Record doesn't exist or ACL restricts the record retrieval"

export function noRecord(): Reply {
  return snError(404, 'No Record found', NO_RECORD_DETAIL)
}

export function notAuthenticated(): Reply {
  return snError(401, 'User Not Authenticated', 'Required to provide Auth information')
}

import { randomBytes } from 'node:crypto'
import { json, type Reply, ReplyError } from '../core/index.ts'

/** Okta's error body: `{errorCode, errorSummary, errorLink, errorId, errorCauses[]}`. */
export function oktaError(
  status: number,
  errorCode: string,
  errorSummary: string,
  causes: string[] = [],
  headers: Record<string, string> = {},
): Reply {
  return json(
    status,
    {
      errorCode,
      errorSummary,
      errorLink: errorCode,
      errorId: `oae${randomBytes(11).toString('base64url')}`,
      errorCauses: causes.map((c) => ({ errorSummary: c })),
    },
    headers,
  )
}

export function oktaFail(status: number, code: string, summary: string, causes: string[] = []): never {
  throw new ReplyError(oktaError(status, code, summary, causes))
}

export function invalidSearch(detail: string): never {
  oktaFail(400, 'E0000031', 'Invalid search criteria.', [detail])
}

export function invalidFilter(detail: string): never {
  oktaFail(400, 'E0000053', 'Invalid filter parameter.', [detail])
}

export function notFound(what: string, id: string): never {
  oktaFail(404, 'E0000007', `Not found: Resource not found: ${id} (${what})`)
}

/** The OAuth token endpoint's error shape. */
export function oauthError(status: number, error: string, description: string): Reply {
  return json(status, { error, error_description: description })
}

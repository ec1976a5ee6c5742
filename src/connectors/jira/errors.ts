import { HttpError } from '../http/errors.ts'

/**
 * Jira's error body is `{"errorMessages": [...], "errors": {"field": "message"}}`. The shared client words the
 * first list; field errors (a required field on create, a bad priority) are what a user needs to fix a sink,
 * so they are added here.
 */
export function withJiraFieldErrors(e: unknown): unknown {
  if (!(e instanceof HttpError)) return e
  const errors = (e.body as { errors?: unknown } | undefined)?.errors
  if (!errors || typeof errors !== 'object') return e
  const lines = Object.entries(errors as Record<string, unknown>).map(([k, v]) => `${k}: ${String(v)}`)
  if (lines.length === 0) return e
  const err = new HttpError(`${e.message} (${lines.join('; ')})`, {
    method: e.method,
    url: e.url,
    status: e.status,
    code: e.code,
    vendorCode: e.vendorCode,
    body: e.body,
    attempts: e.attempts,
  })
  return err
}

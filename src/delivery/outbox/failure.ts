import { redact } from '../../core/redact.ts'

export interface Failure {
  /** A validation error or a refused permission: retrying cannot help. */
  permanent: boolean
  /** What the vendor asked us to wait, when it said. */
  retryAfterMs: number | null
  reason: string
}

/** HTTP statuses that no retry fixes: bad request, auth, permission, missing, conflict, validation. */
const PERMANENT_STATUS = new Set([400, 401, 403, 404, 405, 409, 410, 413, 415, 422])

function statusOf(e: Record<string, unknown>): number | null {
  const candidates = [e.status, e.statusCode, (e.response as Record<string, unknown> | undefined)?.status]
  for (const c of candidates) if (typeof c === 'number') return c
  return null
}

/**
 * Sorts a sink's error into retry-later or dead-letter. A sink may say so itself with `permanent: true|false`;
 * otherwise an HTTP status decides (4xx other than 408/425/429 is permanent), a zod validation error is
 * permanent, and anything else (connection errors, timeouts, 5xx, 429) is transient.
 */
export function classifyFailure(err: unknown): Failure {
  const e = (err && typeof err === 'object' ? err : {}) as Record<string, unknown>
  const message = err instanceof Error ? err.message : String(err)
  const status = statusOf(e)
  const reason = redact(
    status !== null && !message.includes(String(status)) ? `HTTP ${status}: ${message}` : message,
  )
  const retryAfter = typeof e.retryAfterMs === 'number' ? e.retryAfterMs : null
  if (typeof e.permanent === 'boolean') return { permanent: e.permanent, retryAfterMs: retryAfter, reason }
  if (e.name === 'ZodError') return { permanent: true, retryAfterMs: null, reason }
  if (status !== null && PERMANENT_STATUS.has(status)) return { permanent: true, retryAfterMs: null, reason }
  return { permanent: false, retryAfterMs: retryAfter, reason }
}

/** Exponential backoff with full jitter, capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(t)
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

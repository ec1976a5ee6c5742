import type { z } from 'zod'

export interface InvalidRecord {
  id: string
  reason: string
}

/** A record's id for reporting: the vendor's id field when it has one, else its position in the page. */
export function recordId(item: unknown, index: number): string {
  if (item && typeof item === 'object') {
    const r = item as Record<string, unknown>
    for (const k of ['id', 'sys_id', 'key']) {
      if (typeof r[k] === 'string' || typeof r[k] === 'number') return String(r[k])
    }
  }
  return `#${index}`
}

/** `path: message` lines of a zod error, the first few only. */
export function formatZodIssues(error: z.ZodError, max = 3): string {
  const lines = error.issues
    .slice(0, max)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
  if (error.issues.length > max) lines.push(`and ${error.issues.length - max} more`)
  return lines.join('; ')
}

/**
 * Validates each record of a page at the edge. Records that fail are not dropped silently: they come back
 * with their id and reason for `SyncBatch.invalid`, where the stream writer counts them against the
 * configured share and fails the run when there are too many.
 */
export function parseRecords<S extends z.ZodType>(
  items: readonly unknown[],
  schema: S,
  idOf: (item: unknown, index: number) => string = recordId,
): { records: z.infer<S>[]; invalid: InvalidRecord[] } {
  const records: z.infer<S>[] = []
  const invalid: InvalidRecord[] = []
  items.forEach((item, i) => {
    const r = schema.safeParse(item)
    if (r.success) records.push(r.data)
    else invalid.push({ id: idOf(item, i), reason: formatZodIssues(r.error) })
  })
  return { records, invalid }
}

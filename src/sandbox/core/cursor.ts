/**
 * Opaque page cursors: a small JSON state in base64url. Vendors' cursors are opaque too, so clients must follow
 * links verbatim; a cursor that does not decode is the client's mistake and gets the vendor's 400.
 */
export function encodeCursor(state: unknown): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url')
}

export function decodeCursor<T>(raw: string | null): T | null {
  if (!raw) return null
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'))
    return v !== null && typeof v === 'object' ? (v as T) : null
  } catch {
    return null
  }
}

/** An offset cursor that also remembers the id of the last object sent. */
export interface OffsetCursor {
  o: number
  last?: string
}

const idOf = (x: unknown): string | undefined =>
  typeof x === 'string' ? x : ((x as { id?: unknown } | null)?.id as string | undefined)

/**
 * Where the next page starts. Normally at the offset; but if objects before it were removed since the last page
 * the list shifted, so resume just after the last object sent, or a page earlier if that one is gone too (a
 * replay, which clients dedupe by id, rather than a silent skip).
 */
export function resumeOffset(items: readonly unknown[], cursor: OffsetCursor, pageSize: number): number {
  const o = Math.min(Math.max(0, cursor.o), items.length)
  if (cursor.last === undefined || idOf(items[o - 1]) === cursor.last) return o
  const at = items.findIndex((x) => idOf(x) === cursor.last)
  return at >= 0 ? at + 1 : Math.max(0, o - pageSize)
}

export function nextOffsetCursor(items: readonly unknown[], end: number): OffsetCursor {
  const last = idOf(items[end - 1])
  return last === undefined ? { o: end } : { o: end, last }
}

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

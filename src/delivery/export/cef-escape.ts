/**
 * CEF escaping (ArcSight CEF v25, as the Elastic beats decoder reads it). Header fields: backslash and pipe are
 * escaped and line breaks cannot appear at all. Extension values: backslash and equals are escaped and line
 * breaks are written as `\r` / `\n`; a pipe needs no escape there.
 */
export function escapeHeader(value: string): string {
  return value.replace(/\r\n|[\r\n]/g, ' ').replace(/[\\|]/g, (c) => `\\${c}`)
}

export function escapeExtension(value: string): string {
  return value.replace(/[\\=\r\n]/g, (c) => (c === '\r' ? '\\r' : c === '\n' ? '\\n' : `\\${c}`))
}

/** Extension keys are alphanumeric: a key is what a decoder finds before `=`. */
export function isExtensionKey(key: string): boolean {
  return /^[A-Za-z0-9]+$/.test(key)
}

/**
 * Cuts a value to a CEF field's length limit (in characters, before escaping), without splitting a surrogate
 * pair, and marks the cut.
 */
export function truncate(value: string, max: number): string {
  const chars = Array.from(value)
  if (chars.length <= max) return value
  return `${chars.slice(0, max - 1).join('')}…`
}

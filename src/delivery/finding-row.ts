/** The stored finding as the model: what sinks and exporters see (one mapping, the repository's). */
export { findingFromRow } from '../store/repositories/findings.ts'

/** jsonb comes back parsed from pg and PGlite; a string only if something stored JSON text in it. */
export function parseJson(v: unknown): Record<string, unknown> {
  if (typeof v === 'string') {
    try {
      const parsed = JSON.parse(v) as unknown
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {}
    } catch {
      return {}
    }
  }
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : {}
}

/**
 * Reads a parsed field path from a record as a connector presents it. Arrays map element-wise: every array met
 * on the way is flattened, so `fields.customfield_10073.value` over a multi-select yields each option's value.
 * Missing, null and empty-string values are absent (ServiceNow writes "" for empty, Jira null).
 */
export function readPath(record: unknown, segments: readonly string[]): unknown[] {
  let current: unknown[] = [record]
  for (const seg of segments) {
    const next: unknown[] = []
    for (const v of current) {
      for (const item of Array.isArray(v) ? v : [v]) {
        if (item !== null && typeof item === 'object' && Object.hasOwn(item, seg)) {
          next.push((item as Record<string, unknown>)[seg])
        }
      }
    }
    current = next
  }
  return current.flat(Infinity).filter((v) => v !== null && v !== undefined && v !== '')
}

/**
 * The text of one leaf value. Vendors put the meaningful part of an object in a known member: a Jira option's
 * `value`, a user's `emailAddress` (else `accountId`), a status's `name`, a ServiceNow reference's `value`
 * (its sys_id, when the connector did not resolve it). The order below is that preference.
 */
const MEMBERS = ['value', 'emailAddress', 'email', 'accountId', 'name', 'key', 'id'] as const

export function scalarText(v: unknown): string | null {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v)
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>
    for (const m of MEMBERS) {
      const inner = o[m]
      if (typeof inner === 'string' && inner !== '') return inner
      if (typeof inner === 'number') return String(inner)
    }
  }
  return null
}

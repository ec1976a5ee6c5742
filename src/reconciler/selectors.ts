import picomatch from 'picomatch'
import type { EntitlementSelector } from '../config/policy.ts'

/** What a selector is matched against: the parts of an entitlement the policy can name. */
export interface SelectableEntitlement {
  source: string
  type: string | null
  externalId: string | null
  name: string
}

export type EntitlementMatcher = (e: SelectableEntitlement) => boolean

/** Compiles a policy selector once: every given field must match; names are case-insensitive globs. */
export function compileSelector(s: EntitlementSelector): EntitlementMatcher {
  const name = s.name === undefined ? null : picomatch(s.name, { nocase: true, dot: true })
  return (e) =>
    (s.source === undefined || s.source === e.source) &&
    (s.type === undefined || s.type === e.type) &&
    (s.id === undefined || s.id === e.externalId) &&
    (name === null || name(e.name))
}

export function compileAny(selectors: readonly EntitlementSelector[]): EntitlementMatcher {
  const ms = selectors.map(compileSelector)
  return (e) => ms.some((m) => m(e))
}

/** A case-insensitive glob over plain strings (person keys, fingerprints, display names). */
export function compileGlob(pattern: string): (text: string) => boolean {
  const m = picomatch(pattern, { nocase: true, dot: true })
  return (text) => m(text)
}

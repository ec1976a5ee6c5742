import type { Policy } from '../config/policy.ts'

export interface IdentityNames {
  email: string | null
  upn: string | null
  login: string | null
}

/**
 * Turns an email, UPN or login as written (in a vendor record or a ticket field) into the canonical person key:
 * trimmed and lowercased, the alias domain replaced by its canonical domain, then an explicit person alias.
 */
export function createPersonKeyer(identities: Policy['identities']): (text: string) => string {
  const domains = new Map(
    Object.entries(identities.domainAliases).map(([a, c]) => [a.toLowerCase(), c.toLowerCase()]),
  )
  const aliases = new Map(
    Object.entries(identities.aliases).map(([a, c]) => [a.trim().toLowerCase(), c.trim().toLowerCase()]),
  )
  const canonicalDomain = (key: string) => {
    const at = key.lastIndexOf('@')
    if (at < 0) return key
    const canonical = domains.get(key.slice(at + 1))
    return canonical ? `${key.slice(0, at)}@${canonical}` : key
  }
  return (text) => {
    const lowered = text.trim().toLowerCase()
    // An alias may be written with either domain; the canonical form wins, then the raw one.
    const key = canonicalDomain(lowered)
    const aliased = aliases.get(key) ?? aliases.get(lowered)
    return aliased === undefined ? key : canonicalDomain(aliased)
  }
}

/** The text a person's key comes from: the email, else the UPN, else the login. */
export function personKeySource(i: IdentityNames): string | null {
  for (const v of [i.email, i.upn, i.login]) if (v && v.trim() !== '') return v
  return null
}

export function nhiKey(source: string, externalId: string): string {
  return `${source}:${externalId}`
}

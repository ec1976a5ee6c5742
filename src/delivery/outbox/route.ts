import type { Config } from '../../config/schema.ts'
import type { Finding } from '../../model/finding.ts'
import type { RuleId } from '../../model/rule-id.ts'
import { atLeast, type Severity } from '../../model/severity.ts'

export type RaiseConfig = NonNullable<Config['raise']>

/**
 * The system a finding is about, for `when.source`: its entitlement's source; for a non-human identity (and a
 * finding with no entitlement) the identity's source; else the ticket's.
 */
export function findingSource(f: Pick<Finding, 'entitlement' | 'identity' | 'ticket'>): string | null {
  if (f.entitlement) return f.entitlement.source
  if (f.identity?.kind === 'nhi') return f.identity.key.slice(0, f.identity.key.indexOf(':'))
  return f.ticket?.source ?? null
}

/**
 * The sink of the first matching route. `when.severity` is a floor (at or above), `when.rule` one rule or a
 * list. With no routes and exactly one sink, that sink takes everything.
 */
export function routeFinding(
  raise: RaiseConfig,
  f: Pick<Finding, 'entitlement' | 'identity' | 'ticket' | 'rule'> & { severity: Severity },
): string | null {
  if (raise.routes.length === 0) {
    const sinks = Object.keys(raise.sinks)
    return sinks.length === 1 ? sinks[0]! : null
  }
  const source = findingSource(f)
  for (const r of raise.routes) {
    const w = r.when
    if (w?.source !== undefined && w.source !== source) continue
    if (w?.rule !== undefined) {
      const rules: readonly RuleId[] = Array.isArray(w.rule) ? w.rule : [w.rule]
      if (!rules.includes(f.rule)) continue
    }
    if (w?.severity !== undefined && !atLeast(f.severity, w.severity)) continue
    return r.to
  }
  return null
}

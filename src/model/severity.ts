import { z } from 'zod'

export const Severity = z.enum(['low', 'medium', 'high', 'critical'])
export type Severity = z.infer<typeof Severity>

const ORDER: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 }

export function severityRank(s: Severity): number {
  return ORDER[s]
}

export function atLeast(s: Severity, min: Severity): boolean {
  return ORDER[s] >= ORDER[min]
}

/** One level up (privileged entitlements): high becomes critical; critical stays. */
export function raiseSeverity(s: Severity): Severity {
  return s === 'low' ? 'medium' : s === 'medium' ? 'high' : 'critical'
}

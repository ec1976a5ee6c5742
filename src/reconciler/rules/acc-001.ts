import type { RunContext } from '../context.ts'
import type { GrantAnalysis } from '../coverage.ts'
import type { GrantHit, RuleDef } from './rule.ts'

export const rule: RuleDef = {
  id: 'ACC-001',
  summary: 'Direct grant with no covering ticket',
  attachesTo: 'grant',
  severity: 'high',
  ocsfType: 'unapproved_grant',
  control: 'NIST AC-2; SOC 2 CC6.2',
  remediation:
    'Find or raise the approved access ticket for this grant (it must name the entitlement, be for this ' +
    'person and be created before the grant), or remove the grant. Accepted legacy access can be recorded ' +
    'with `accord baseline accept`.',
}

export function check(_ctx: RunContext, a: GrantAnalysis): GrantHit | null {
  if (a.coveredBy !== 'none') return null
  return {
    ticket: -1,
    why: 'no approved grant ticket for this subject names the entitlement (or one it confers), and it is not birthright, baseline or excepted',
  }
}

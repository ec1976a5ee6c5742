import type { RunContext } from '../context.ts'
import type { GrantAnalysis } from '../coverage.ts'
import type { GrantHit, RuleDef } from './rule.ts'

export const rule: RuleDef = {
  id: 'ACC-011',
  summary: 'Disabled, suspended or deleted identity holding access',
  attachesTo: 'grant',
  severity: 'high',
  ocsfType: 'access_after_disable',
  control: 'NIST AC-2(3)',
  remediation:
    'Remove the grant (and every other grant of this identity): a disabled account should hold nothing. ' +
    'If the account was re-enabled on purpose, the next sync clears the finding.',
}

/** First in precedence: an identity that is not active should hold nothing, ticket or not. */
export function check(ctx: RunContext, a: GrantAnalysis): GrantHit | null {
  const id = ctx.snap.identities[a.identity]!
  if (id.status === 'active') return null
  return {
    ticket: -1,
    why: `the identity is ${id.status} and still holds the grant`,
    facts: { status: id.status },
  }
}

import type { RuleId } from '../../model/rule-id.ts'
import * as acc001 from './acc-001.ts'
import * as acc002 from './acc-002.ts'
import * as acc003 from './acc-003.ts'
import * as acc004 from './acc-004.ts'
import * as acc005 from './acc-005.ts'
import * as acc006 from './acc-006.ts'
import * as acc007 from './acc-007.ts'
import * as acc008 from './acc-008.ts'
import * as acc009 from './acc-009.ts'
import * as acc010 from './acc-010.ts'
import * as acc011 from './acc-011.ts'
import * as acc012 from './acc-012.ts'
import * as nhi001 from './nhi-001.ts'
import * as nhi002 from './nhi-002.ts'
import * as nhi003 from './nhi-003.ts'
import type { RuleDef } from './rule.ts'

export type { GrantHit, RuleDef } from './rule.ts'

/** "One drift, one finding": on a direct grant, the first of these that applies is the finding. */
export const GRANT_PRECEDENCE = [acc011, acc003, acc007, acc005, acc004, acc001] as const

/** Grant-level rules that mean "not covered": an ACC-001 exception suppresses whichever of them wins. */
export const UNCOVERED_FAMILY: ReadonlySet<RuleId> = new Set(['ACC-001', 'ACC-004', 'ACC-005', 'ACC-007'])

export const grantBeside = acc006
export const ticketRules = [acc002, acc008, acc009, acc012] as const
export const personRules = [acc010] as const
export const nhiRules = [nhi001, nhi002, nhi003] as const

export const RULES: Record<RuleId, RuleDef> = Object.fromEntries(
  [
    acc001,
    acc002,
    acc003,
    acc004,
    acc005,
    acc006,
    acc007,
    acc008,
    acc009,
    acc010,
    acc011,
    acc012,
    nhi001,
    nhi002,
    nhi003,
  ].map((m) => [m.rule.id, m.rule]),
) as Record<RuleId, RuleDef>

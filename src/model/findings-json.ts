import { z } from 'zod'
import { EntitlementType } from './entitlement.ts'
import type { Finding } from './finding.ts'
import { FindingStatus } from './finding.ts'
import { RuleId } from './rule-id.ts'
import { Severity } from './severity.ts'

/**
 * The machine-readable finding of DESIGN section 11, shared by `accord findings list --json` and the sandbox
 * generator's ground-truth `manifest.json`, so the two compare directly. Extra fields are allowed.
 */
export const FindingJson = z.looseObject({
  id: z.string().nullable(),
  rule: RuleId,
  severity: Severity,
  status: FindingStatus,
  identity: z.object({ key: z.string(), kind: z.enum(['person', 'nhi']) }).nullable(),
  entitlement: z
    .looseObject({
      source: z.string(),
      type: EntitlementType.nullable(),
      externalId: z.string().nullable(),
      name: z.string(),
    })
    .nullable(),
  ticket: z.object({ source: z.string(), key: z.string() }).nullable(),
  raisedTicket: z.object({ sink: z.string(), key: z.string(), url: z.string().nullable() }).nullable(),
  firstSeen: z.string().nullable(),
  lastSeen: z.string().nullable(),
})
export type FindingJson = z.infer<typeof FindingJson>

export function toFindingJson(f: Finding): FindingJson {
  return {
    id: f.id,
    rule: f.rule,
    severity: f.severity,
    status: f.status,
    identity: f.identity,
    entitlement: f.entitlement,
    ticket: f.ticket,
    raisedTicket: f.raisedTicket,
    firstSeen: f.firstSeen.toISOString(),
    lastSeen: f.lastSeen.toISOString(),
    title: f.title,
    credentialKeyId: f.credentialKeyId,
    evidence: f.evidence,
  }
}

/**
 * The multiset key a manifest entry and an accord finding are compared on: rule, identity key, entitlement
 * (source and id, or the unresolved target text) and ticket key.
 */
export function comparisonKey(f: Pick<FindingJson, 'rule' | 'identity' | 'entitlement' | 'ticket'>): string {
  const ent = f.entitlement
    ? `${f.entitlement.source}:${f.entitlement.externalId ?? `"${f.entitlement.name}"`}`
    : '-'
  return [f.rule, f.identity?.key ?? '-', ent, f.ticket?.key ?? '-'].join(' ')
}

import type { FindingJson } from '../../model/findings-json.ts'
import type { RuleId } from '../../model/rule-id.ts'
import { raiseSeverity, type Severity } from '../../model/severity.ts'
import { type EntRef, isPrivileged } from './policy.ts'
import type { TicketRef } from './world.ts'

/** DESIGN section 8's default severities. */
export const DEFAULT_SEVERITY: Record<RuleId, Severity> = {
  'ACC-001': 'high',
  'ACC-002': 'medium',
  'ACC-003': 'high',
  'ACC-004': 'high',
  'ACC-005': 'high',
  'ACC-006': 'medium',
  'ACC-007': 'high',
  'ACC-008': 'high',
  'ACC-009': 'medium',
  'ACC-010': 'critical',
  'ACC-011': 'high',
  'ACC-012': 'low',
  'NHI-001': 'medium',
  'NHI-002': 'medium',
  'NHI-003': 'high',
}

/** The scenario policy's `rules` overrides (kept in step with policy.ts). */
export const SEVERITY_OVERRIDES: Partial<Record<RuleId, Severity>> = { 'NHI-002': 'low' }

/** A ticket target that resolves to nothing (or to several): named by its text. */
export interface UnresolvedTarget {
  unresolved: true
  source: string
  name: string
}

export interface PlantedFinding {
  rule: RuleId
  identity: { key: string; kind: 'person' | 'nhi' } | null
  entitlement: EntRef | UnresolvedTarget | null
  ticket: TicketRef | null
  credentialKeyId?: string
  /** Which planted case produced it (kept in the manifest as an extra field, for debugging a mismatch). */
  plant: string
}

/** One manifest entry in DESIGN section 11's shape; `id` is null (the fingerprint is accord's to compute). */
export function toManifestEntry(f: PlantedFinding): FindingJson {
  let severity = SEVERITY_OVERRIDES[f.rule] ?? DEFAULT_SEVERITY[f.rule]
  const ent = f.entitlement
  if (ent && !('unresolved' in ent) && isPrivileged(ent)) severity = raiseSeverity(severity)
  return {
    id: null,
    rule: f.rule,
    severity,
    status: 'open',
    identity: f.identity,
    entitlement: !ent
      ? null
      : 'unresolved' in ent
        ? { source: ent.source, type: null, externalId: null, name: ent.name }
        : { source: ent.source, type: ent.type, externalId: ent.externalId, name: ent.name },
    ticket: f.ticket ? { source: f.ticket.source, key: f.ticket.key } : null,
    raisedTicket: null,
    firstSeen: null,
    lastSeen: null,
    credentialKeyId: f.credentialKeyId ?? null,
    plant: f.plant,
  }
}

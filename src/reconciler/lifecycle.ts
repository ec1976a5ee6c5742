import type { Kysely } from 'kysely'
import type { FindingEvent, FindingEventType } from '../model/finding.ts'
import type { Database } from '../store/database.ts'
import { insertFindingEvents, type NewFindingEvent } from '../store/repositories/finding-events.ts'
import {
  type FindingState,
  type FindingWrite,
  resolveFindings,
  touchFindings,
  upsertFindings,
} from '../store/repositories/findings.ts'
import type { Candidate } from './finalize.ts'

export interface LifecycleCounts {
  opened: number
  updated: number
  resolved: number
  reopened: number
  suppressed: number
  unsuppressed: number
  unchanged: number
  /** Would have opened (or reopened) but an input is incomplete. */
  heldOpen: number
  /** Would have resolved but an input is incomplete. */
  heldResolve: number
}

export interface LifecyclePlan {
  writes: FindingWrite[]
  touch: string[]
  resolve: string[]
  events: NewFindingEvent[]
  counts: LifecycleCounts
  /** Ids held back, by what would have happened. */
  held: { open: string[]; resolve: string[] }
}

/**
 * Compares this run's findings with the stored ones (DESIGN section 8, Lifecycle): new ones open, present ones
 * move `lastSeen` (an `updated` event on a change of severity or evidence), absent ones resolve, resolved ones
 * that come back reopen with the same id, and suppression changes are events too. Nothing depending on an
 * incomplete input is opened or resolved.
 */
export function planLifecycle(
  candidates: ReadonlyMap<string, Candidate>,
  existing: ReadonlyMap<string, FindingState>,
  complete: (deps: readonly string[]) => boolean,
  runId: string,
  at: Date,
): LifecyclePlan {
  const counts: LifecycleCounts = {
    opened: 0,
    updated: 0,
    resolved: 0,
    reopened: 0,
    suppressed: 0,
    unsuppressed: 0,
    unchanged: 0,
    heldOpen: 0,
    heldResolve: 0,
  }
  const writes: FindingWrite[] = []
  const touch: string[] = []
  const resolve: string[] = []
  const events: NewFindingEvent[] = []
  const held = { open: [] as string[], resolve: [] as string[] }
  const event = (
    c: { id: string; severity: Candidate['severity'] },
    type: FindingEventType,
    status: Candidate['status'] | 'resolved',
    data: Record<string, unknown>,
  ) => {
    events.push({ findingId: c.id, runId, type, at, severity: c.severity, status, data })
    counts[type]++
  }
  for (const c of candidates.values()) {
    const prev = existing.get(c.id)
    if (!prev || prev.status === 'resolved') {
      if (!complete(c.deps)) {
        counts.heldOpen++
        held.open.push(c.id)
        continue
      }
      writes.push(toWrite(c, prev?.firstSeen ?? at, at, runId))
      const type: FindingEventType = c.status === 'suppressed' ? 'suppressed' : prev ? 'reopened' : 'opened'
      event(c, type, c.status, {
        title: c.title,
        rule: c.rule,
        ...(c.suppressedBy ? { suppressedBy: c.suppressedBy } : {}),
        ...(prev ? { reopened: true } : {}),
      })
      continue
    }
    if (prev.status !== c.status) {
      writes.push(toWrite(c, prev.firstSeen, at, runId))
      event(
        c,
        c.status === 'suppressed' ? 'suppressed' : 'unsuppressed',
        c.status,
        c.suppressedBy ? { suppressedBy: c.suppressedBy } : { reason: 'the exception or suppression ended' },
      )
    } else if (prev.material !== c.material || prev.severity !== c.severity) {
      writes.push(toWrite(c, prev.firstSeen, at, runId))
      const changes: Record<string, unknown> = {}
      if (prev.severity !== c.severity) changes.severity = { from: prev.severity, to: c.severity }
      if (prev.material !== c.material) changes.evidence = 'the facts behind the finding changed'
      event(c, 'updated', c.status, { changes, title: c.title })
    } else {
      touch.push(c.id)
      counts.unchanged++
    }
  }
  for (const prev of existing.values()) {
    if (prev.status === 'resolved' || candidates.has(prev.id)) continue
    if (!complete(prev.dependsOn)) {
      counts.heldResolve++
      held.resolve.push(prev.id)
      continue
    }
    resolve.push(prev.id)
    event({ id: prev.id, severity: prev.severity }, 'resolved', 'resolved', {
      reason: 'the drift is no longer present',
    })
  }
  return { writes, touch, resolve, events, counts, held }
}

function toWrite(c: Candidate, firstSeen: Date, at: Date, runId: string): FindingWrite {
  return {
    id: c.id,
    rule: c.rule,
    severity: c.severity,
    status: c.status,
    identityKey: c.identity?.key ?? null,
    identityKind: c.identity?.kind ?? null,
    entitlementSource: c.entitlement?.source ?? null,
    entitlementType: c.entitlement?.type ?? null,
    entitlementId: c.entitlement?.externalId ?? null,
    entitlementName: c.entitlement?.name ?? null,
    ticketSource: c.ticket?.source ?? null,
    ticketKey: c.ticket?.key ?? null,
    credentialKeyId: c.credentialKeyId,
    title: c.title,
    evidence: c.evidence,
    firstSeen,
    lastSeen: at,
    resolvedAt: null,
    suppressedUntil: c.status === 'suppressed' ? c.suppressedUntil : null,
    runId,
    dependsOn: c.deps,
    material: c.material,
  }
}

/** Applies a plan inside the caller's transaction; returns the recorded events with their ids. */
export async function applyLifecycle(
  trx: Kysely<Database>,
  plan: LifecyclePlan,
  at: Date,
  runId: string,
): Promise<FindingEvent[]> {
  await upsertFindings(trx, plan.writes)
  await touchFindings(trx, plan.touch, at, runId)
  await resolveFindings(trx, plan.resolve, at, runId)
  return insertFindingEvents(trx, plan.events)
}

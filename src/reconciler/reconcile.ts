import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Policy } from '../config/policy.ts'
import type { Config } from '../config/schema.ts'
import { now } from '../core/clock.ts'
import type { Logger } from '../core/logger.ts'
import type { FindingEvent } from '../model/finding.ts'
import type { RuleId } from '../model/rule-id.ts'
import type { Severity } from '../model/severity.ts'
import type { Database, Db } from '../store/database.ts'
import { connectionsOf } from '../store/open.ts'
import { type EvidenceWrite, upsertEvidence } from '../store/repositories/evidence.ts'
import { loadFindingStates } from '../store/repositories/findings.ts'
import { syncPersonKeys } from '../store/repositories/person-keys.ts'
import { finishReconcileRun, startReconcileRun } from '../store/repositories/reconcile-runs.ts'
import { activeSuppressions } from '../store/repositories/suppressions.ts'
import { streamCompleteness } from '../store/repositories/sync-runs.ts'
import { withSessionLock } from '../store/session-lock.ts'
import { completenessCheck, sourcesWithFailedLastRun } from './completeness.ts'
import { RunContext, type SubjectTarget } from './context.ts'
import { type EvidenceDraft, type EvidenceDrafts, evaluate } from './evaluate.ts'
import { conferredNames, finalize } from './finalize.ts'
import { applyLifecycle, type LifecycleCounts, planLifecycle } from './lifecycle.ts'
import { loadSnapshot } from './load.ts'
import { UNCOVERED_FAMILY } from './rules/index.ts'
import { COVERED_BY, recKey } from './snapshot.ts'

export interface ReconcileOptions {
  config: Config
  policy: Policy
  logger: Logger
  /**
   * Called inside the transaction that records the events, so delivery can enqueue its outbox rows atomically
   * with them.
   */
  onEvents?: (trx: Kysely<Database>, events: FindingEvent[]) => Promise<void>
}

export interface ReconcileSummary {
  runId: string
  at: string
  durationMs: number
  /** What this run changed. */
  changes: LifecycleCounts
  /** Findings this run would have opened or resolved but held back, and the incomplete inputs why. */
  heldBack: {
    opening: number
    resolving: number
    /** Inputs that held a finding back. */
    incompleteInputs: string[]
    /** Every stream (`source/stream`) not complete now, and sources whose latest sync failed, held back or not. */
    incompleteStreams: string[]
    findingIds: { open: string[]; resolve: string[] }
  }
  /** Open findings after the run, by rule and severity. */
  open: { rule: RuleId; severity: Severity; count: number }[]
  suppressed: number
  evidence: { covered: number; written: number }
  data: {
    identities: number
    entitlements: number
    directGrants: number
    ticketsInWindow: number
    credentials: number
  }
  timings: Record<string, number>
}

const TICKET_KINDS = new Set(['servicenow', 'jira'])
const IDP_KINDS = new Set(['entra', 'okta'])

/**
 * One reconcile run (DESIGN section 8): reads the store, evaluates every rule, records evidence for covered
 * grants and the findings' lifecycle with one event per change, all under one run id.
 */
export async function reconcile(db: Db, opts: ReconcileOptions): Promise<ReconcileSummary> {
  // Two runs at once would plan the same lifecycle changes from the same findings and record them twice. The
  // lock pins a connection for the run, so it needs a pool of two or more (the embedded store is one process).
  if (connectionsOf(db) < 2) return reconcileOnce(db, opts)
  return withSessionLock(
    db,
    'reconcile',
    'another accord process is reconciling this store; try again when it finishes',
    () => reconcileOnce(db, opts),
  )
}

async function reconcileOnce(db: Db, opts: ReconcileOptions): Promise<ReconcileSummary> {
  const at = now()
  const runId = randomUUID()
  const log = opts.logger.child({ reconcileRun: runId })
  const timings: Record<string, number> = {}
  let t0 = performance.now()
  const lap = (name: string) => {
    const t = performance.now()
    timings[name] = Math.round(t - t0)
    t0 = t
  }
  const started = performance.now()
  await startReconcileRun(db, runId, at)
  try {
    const snap = await loadSnapshot(db, { now: at, lookBackDays: opts.config.reconcile.lookBackDays })
    lap('load')
    const completeness = await streamCompleteness(db)
    // Ticket and identity sources: the configured ones (even before their first run) and any that ever ran.
    const ctx = new RunContext(snap, opts.policy, {
      tickets: [
        ...opts.config.connectors
          .filter((c) => TICKET_KINDS.has(c.kind) && 'tickets' in c && c.tickets)
          .map((c) => c.id),
        ...completeness.filter((r) => r.stream === 'tickets').map((r) => r.connectorId),
      ],
      identities: opts.config.connectors.filter((c) => IDP_KINDS.has(c.kind)).map((c) => c.id),
    })
    lap('resolve')
    const enabled = (rule: RuleId) => opts.policy.rules[rule]?.enabled !== false
    const { drafts, evidence } = evaluate(ctx, enabled)
    lap('evaluate')
    const candidates = finalize(ctx, drafts, await activeSuppressions(db, at))
    lap('finalize')
    for (const c of candidates.values()) {
      // An ACC-001 exception is coverage too: record it as the grant's evidence.
      if (
        c.status === 'suppressed' &&
        c.grant >= 0 &&
        UNCOVERED_FAMILY.has(c.rule) &&
        c.suppressedBy?.startsWith('exception')
      ) {
        evidence.push({ grant: c.grant, coveredBy: 'exception', ticket: -1 })
      }
    }
    const buildEvidence = evidenceBuilder(ctx, candidates)
    await syncPersonKeys(
      db,
      snap.identities.map((i) => ({
        source: i.source,
        externalId: i.externalId,
        personKey: snap.subjects[i.subject]!.key,
      })),
      at,
    )
    lap('personKeys')
    const evidenceWritten = await writeEvidence(db, evidence, buildEvidence, { at, runId })
    lap('evidence')
    const failedSources = await sourcesWithFailedLastRun(db)
    const check = completenessCheck(completeness, failedSources)
    const existing = await loadFindingStates(db)
    const plan = planLifecycle(candidates, existing, check.complete, runId, at)
    lap('plan')
    await db.transaction().execute(async (trx) => {
      const events = await applyLifecycle(trx, plan, at, runId)
      if (opts.onEvents && events.length > 0) await opts.onEvents(trx, events)
    })
    lap('write')
    const open = new Map<string, { rule: RuleId; severity: Severity; count: number }>()
    let suppressed = 0
    for (const [id, prev] of existing) {
      if (candidates.has(id) || prev.status === 'resolved') continue
      // Held back from resolving: still open (or suppressed) after this run.
      if (plan.held.resolve.includes(id)) {
        if (prev.status === 'suppressed') suppressed++
        else bump(open, prev.rule as RuleId, prev.severity)
      }
    }
    const heldOpen = new Set(plan.held.open)
    for (const c of candidates.values()) {
      if (heldOpen.has(c.id)) continue
      if (c.status === 'suppressed') suppressed++
      else bump(open, c.rule, c.severity)
    }
    const summary: ReconcileSummary = {
      runId,
      at: at.toISOString(),
      durationMs: Math.round(performance.now() - started),
      changes: plan.counts,
      heldBack: {
        opening: plan.counts.heldOpen,
        resolving: plan.counts.heldResolve,
        incompleteInputs: check.incomplete(),
        incompleteStreams: [
          ...completeness.filter((c) => !c.complete).map((c) => `${c.connectorId}/${c.stream}`),
          ...[...failedSources].map((src) => `${src} (latest sync failed)`),
        ].sort(),
        findingIds: { open: plan.held.open.slice(0, 1000), resolve: plan.held.resolve.slice(0, 1000) },
      },
      open: [...open.values()].sort(
        (a, b) => a.rule.localeCompare(b.rule) || a.severity.localeCompare(b.severity),
      ),
      suppressed,
      evidence: { covered: evidence.length, written: evidenceWritten },
      data: {
        identities: snap.identities.length,
        entitlements: snap.entitlements.length,
        directGrants: snap.grants.n,
        ticketsInWindow: snap.tickets.length,
        credentials: snap.credentials.length,
      },
      timings,
    }
    await finishReconcileRun(db, runId, 'succeeded', now(), {
      ...summary,
      heldBack: { ...summary.heldBack, findingIds: undefined },
    })
    if (summary.heldBack.opening || summary.heldBack.resolving) {
      log.warn(
        {
          heldBack: summary.heldBack.opening + summary.heldBack.resolving,
          incomplete: summary.heldBack.incompleteInputs,
        },
        'findings held back: their inputs are incomplete (a sync failed or has not run)',
      )
    }
    log.info({ changes: plan.counts, durationMs: summary.durationMs }, 'reconcile finished')
    return summary
  } catch (e) {
    await finishReconcileRun(db, runId, 'failed', now(), {
      error: e instanceof Error ? e.message : String(e),
    }).catch(() => {})
    throw e
  }
}

/**
 * Evidence rows are independent and idempotent (a re-run writes the same), so they need no shared transaction:
 * on Postgres a few slices are written on separate connections at once; PGlite runs them one after another.
 */
async function writeEvidence(
  db: Db,
  drafts: EvidenceDrafts,
  build: (drafts: readonly EvidenceDraft[]) => EvidenceWrite[],
  run: { at: Date; runId: string },
): Promise<number> {
  // Rows are built a slice at a time, so memory holds a few slices, not one row per covered grant.
  const SLICE = 25_000
  const CONCURRENCY = 3
  let written = 0
  // A new slice is built as soon as one of the writes in flight finishes, so building and writing overlap.
  const inFlight = new Set<Promise<void>>()
  let failure: unknown
  for (let from = 0; from < drafts.length && failure === undefined; from += SLICE) {
    const rows = build(drafts.slice(from, from + SLICE))
    if (rows.length === 0) continue
    written += rows.length
    const p: Promise<void> = upsertEvidence(db, rows, run).then(
      () => void inFlight.delete(p),
      (e) => {
        failure ??= e
        inFlight.delete(p)
      },
    )
    inFlight.add(p)
    if (inFlight.size >= CONCURRENCY) await Promise.race(inFlight)
  }
  await Promise.all(inFlight)
  if (failure !== undefined) throw failure
  return written
}

function bump(
  m: Map<string, { rule: RuleId; severity: Severity; count: number }>,
  rule: RuleId,
  severity: Severity,
) {
  const k = `${rule}|${severity}`
  const cur = m.get(k)
  if (cur) cur.count++
  else m.set(k, { rule, severity, count: 1 })
}

// Shared by every row they describe, so a statement carries each once.
const BIRTHRIGHT_DETAIL = { policy: 'birthright' }
const ACCEPTED_BASELINE_DETAIL = { policy: 'baseline', accepted: 'accord baseline accept' }
const POLICY_BASELINE_DETAIL = { policy: 'baseline', accepted: 'policy baseline' }

/** Builds evidence rows for covered grants whose coverage is new or changed since the last recorded one. */
function evidenceBuilder(
  ctx: RunContext,
  candidates: ReadonlyMap<
    string,
    { grant: number; suppressedBy: string | null; rule: string; status: string }
  >,
): (drafts: readonly EvidenceDraft[]) => EvidenceWrite[] {
  const { snap } = ctx
  const g = snap.grants
  const exceptionBy = new Map<number, string>()
  for (const c of candidates.values())
    if (c.grant >= 0 && c.suppressedBy?.startsWith('exception')) exceptionBy.set(c.grant, c.suppressedBy)
  // Every grant a ticket covers shares the ticket's part of the detail (one object, sent once per statement).
  const perTicket = new Map<number, Record<string, unknown>>()
  const iso = (v: number | null) => (v === null ? null : new Date(v).toISOString())
  // The ticket each earlier evidence row names, as an index into this run's tickets (-1: not in the window),
  // so telling unchanged coverage from changed costs no string keys per grant.
  const windowIndex = new Map(ctx.tickets.map((info, i) => [recKey(info.t.source, info.t.externalId), i]))
  const recordedInWindow = Int32Array.from(snap.evTickets, (key) => windowIndex.get(key) ?? -1)
  const scratch: SubjectTarget[] = []
  // One row per grant in a write, whatever the drafts hold.
  const seen = new Uint8Array(g.n)
  return (drafts) => {
    // Per slice: a statement carries each shared detail once, and memory holds one slice's worth, not one
    // detail per ticket of the tenant.
    perTicket.clear()
    const out: EvidenceWrite[] = []
    for (const d of drafts) {
      const k = d.grant
      if (seen[k]) continue
      seen[k] = 1
      const info = d.ticket >= 0 ? ctx.tickets[d.ticket]! : null
      const prev = g.evTicket[k]!
      const sameTicket = prev < 0 ? d.ticket < 0 : d.ticket >= 0 && recordedInWindow[prev] === d.ticket
      if (g.evCoveredBy[k] === COVERED_BY.indexOf(d.coveredBy) && sameTicket) continue
      const id = snap.identities[g.principal[k]!]!
      const ent = snap.entitlements[g.ent[k]!]!
      let detail: Record<string, unknown>
      if (info) {
        const named = ctx.targetsGivenBy(id.subject, g.ent[k]!, scratch).find((st) => st.ticket === d.ticket)
        let base = perTicket.get(d.ticket)
        if (!base) {
          base = {
            ticketKey: info.t.key,
            ticketCreatedAt: iso(info.t.createdAt),
            expiresAt: iso(info.t.expiresAt),
            approvers: info.t.approvals
              .filter((a) => a.decision === 'approved')
              .map((a) => ({ approver: a.approver, decidedAt: iso(a.decidedAt) })),
          }
          perTicket.set(d.ticket, base)
        }
        const confers = ctx.holding.conferred(g.ent[k]!).length ? conferredNames(ctx, g.ent[k]!) : null
        detail =
          (named && named.ent !== g.ent[k]) || confers
            ? {
                ...base,
                ...(named && named.ent !== g.ent[k] ? { via: snap.entitlements[named.ent]!.name } : {}),
                ...(confers ? { confers } : {}),
              }
            : base
      } else if (d.coveredBy === 'exception') detail = { exception: exceptionBy.get(k) ?? null }
      else if (d.coveredBy === 'birthright') detail = BIRTHRIGHT_DETAIL
      else detail = g.baselined[k] === 1 ? ACCEPTED_BASELINE_DETAIL : POLICY_BASELINE_DETAIL
      out.push({
        source: id.source,
        principalType: 'identity',
        principalId: id.externalId,
        entitlementId: ent.externalId,
        coveredBy: d.coveredBy,
        ticketSource: info?.t.source ?? null,
        ticketId: info?.t.externalId ?? null,
        ticketKey: info?.t.key ?? null,
        detail,
        approvedAt: info?.approvedAt ?? null,
        grantedAt: Number.isNaN(g.grantedAt[k]!) ? null : g.grantedAt[k]!,
        grantFirstSeen: g.firstSeen[k]!,
      })
    }
    return out
  }
}

import type { RuleId } from '../model/rule-id.ts'
import type { RunContext } from './context.ts'
import { CoverageAnalyser } from './coverage.ts'
import type { Draft } from './draft.ts'
import { GRANT_PRECEDENCE, grantBeside, nhiRules, personRules, ticketRules } from './rules/index.ts'
import { latestCreated } from './rules/pick.ts'
import type { GrantHit } from './rules/rule.ts'
import { COVERED_BY, type CoveredBy } from './snapshot.ts'

/** A covered direct grant, to be recorded as evidence. */
export interface EvidenceDraft {
  grant: number
  coveredBy: Exclude<CoveredBy, 'none'>
  /** Covering ticket index, -1 for none. */
  ticket: number
}

/** Evidence drafts as columns (one per covered grant: a million on a large tenant), objects only per slice. */
export class EvidenceDrafts {
  readonly #grant: number[] = []
  readonly #kind: number[] = []
  readonly #ticket: number[] = []
  get length(): number {
    return this.#grant.length
  }
  push(d: EvidenceDraft): void {
    this.#grant.push(d.grant)
    this.#kind.push(COVERED_BY.indexOf(d.coveredBy))
    this.#ticket.push(d.ticket)
  }
  slice(from: number, to: number): EvidenceDraft[] {
    const out: EvidenceDraft[] = []
    for (let i = from; i < Math.min(to, this.#grant.length); i++) {
      out.push({
        grant: this.#grant[i]!,
        coveredBy: COVERED_BY[this.#kind[i]!] as EvidenceDraft['coveredBy'],
        ticket: this.#ticket[i]!,
      })
    }
    return out
  }
}

export interface Evaluation {
  drafts: Draft[]
  evidence: EvidenceDrafts
}

/**
 * Runs every enabled rule over the run's data: grant-level rules in precedence order (one finding per direct
 * grant), ACC-006 beside them, then the ticket, person and NHI rules. Covered grants become evidence drafts.
 */
export function evaluate(ctx: RunContext, enabled: (rule: RuleId) => boolean): Evaluation {
  const drafts: Draft[] = []
  const evidence = new EvidenceDrafts()
  const emit = (d: Draft) => {
    if (enabled(d.rule)) drafts.push(d)
  }
  const analyser = new CoverageAnalyser(ctx)
  const { snap } = ctx
  const g = snap.grants
  const precedence = GRANT_PRECEDENCE.filter((r) => enabled(r.rule.id))
  for (let k = 0; k < g.n; k++) {
    if (g.isGroup[k]) continue
    const a = analyser.analyse(k)
    const identity = snap.identities[a.identity]!
    const ent = snap.entitlements[a.ent]!
    // Built only when a rule fires: most grants fire none.
    const base = () => [
      snap.streams[g.stream[k]!]!,
      snap.streams[identity.stream]!,
      snap.streams[ent.stream]!,
    ]
    for (const r of precedence) {
      const hit = r.check(ctx, a)
      if (!hit) continue
      drafts.push(
        grantDraft(
          ctx,
          r.rule.id,
          a.grant,
          a.subject,
          a.ent,
          hit,
          r.rule.id === 'ACC-011' ? base() : [...base(), ...ctx.ticketSide],
        ),
      )
      break
    }
    if (enabled('ACC-006')) {
      const hit = grantBeside.check(ctx, a)
      if (hit)
        drafts.push(
          grantDraft(ctx, 'ACC-006', a.grant, a.subject, a.ent, hit, [
            ...base(),
            snap.streams[ctx.tickets[hit.ticket]!.t.stream]!,
          ]),
        )
    }
    if (a.coveredBy !== 'none' && !a.durable) {
      evidence.push({
        grant: k,
        coveredBy: a.coveredBy,
        ticket: a.coveredBy === 'ticket' ? latestCreated(ctx, a.covering) : -1,
      })
    }
  }
  ctx.tickets.forEach((info, ti) => {
    for (const r of ticketRules) if (enabled(r.rule.id)) r.run(ctx, info, ti, emit)
  })
  for (const r of personRules) if (enabled(r.rule.id)) r.run(ctx, emit)
  for (const r of nhiRules) if (enabled(r.rule.id)) r.run(ctx, emit)
  return { drafts, evidence }
}

function grantDraft(
  ctx: RunContext,
  rule: RuleId,
  grant: number,
  subject: number,
  ent: number,
  hit: GrantHit,
  deps: string[],
): Draft {
  const { snap } = ctx
  const e = snap.entitlements[ent]!
  const who = snap.subjects[subject]!.key
  return {
    rule,
    subject,
    ent,
    ticket: hit.ticket,
    grant,
    title: `${who} holds ${e.name} (${e.source}): ${hit.why}`,
    evidence: { why: hit.why, ...hit.facts },
    deps,
  }
}

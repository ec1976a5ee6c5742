import { RunContext as Ctx, type RunContext, type SubjectTarget, selectable } from './context.ts'
import { compileSelector, type EntitlementMatcher } from './selectors.ts'
import { type CoveredBy, recKey } from './snapshot.ts'

/** What the grant rules need to know about one identity-held direct grant. */
export interface GrantAnalysis {
  grant: number
  identity: number
  subject: number
  ent: number
  /** `grantedAt`, else `firstSeen` (epoch ms). */
  time: number
  /** The subject's ticket targets that name this grant (the entitlement or one it confers). */
  named: SubjectTarget[]
  /** Tickets in the window that cover it. */
  covering: number[]
  /** Tickets that would cover it but for their end date (past the expiry grace). */
  expired: number[]
  coveredBy: CoveredBy
  /** Covered by a ticket recorded in earlier evidence that has left the window. */
  durable: boolean
}

/**
 * Decides coverage (docs/rules.md, Coverage): a qualifying ticket in the window, else durable evidence of one
 * that left the window, else birthright, else baseline (accepted grants and the policy's list). Exceptions are
 * applied to the finding, not here.
 */
export class CoverageAnalyser {
  readonly #ctx: RunContext
  readonly #inWindow: Uint8Array
  readonly #policyBaseline = new Map<string, EntitlementMatcher[]>()

  constructor(ctx: RunContext) {
    this.#ctx = ctx
    const snap = ctx.snap
    const windowKeys = new Set(snap.tickets.map((t) => recKey(t.source, t.externalId)))
    this.#inWindow = new Uint8Array(snap.evTickets.length)
    snap.evTickets.forEach((k, i) => {
      this.#inWindow[i] = windowKeys.has(k) ? 1 : 0
    })
    for (const b of ctx.policy.baseline) {
      for (const key of new Set([b.identity.trim(), ctx.keyer(b.identity)])) {
        const list = this.#policyBaseline.get(key) ?? []
        list.push(compileSelector(b.entitlement))
        this.#policyBaseline.set(key, list)
      }
    }
  }

  // Scratch lists reused for every grant: the analysis is consumed before the next grant is analysed.
  readonly #named: SubjectTarget[] = []
  readonly #covering: number[] = []
  readonly #expired: number[] = []

  /** The analysis of grant `k`; valid until the next call (its lists are reused). */
  analyse(k: number): GrantAnalysis {
    const ctx = this.#ctx
    const g = ctx.snap.grants
    const identity = g.principal[k]!
    const subject = ctx.snap.identities[identity]!.subject
    const ent = g.ent[k]!
    const granted = g.grantedAt[k]!
    const time = Number.isNaN(granted) ? g.firstSeen[k]! : granted
    const named = ctx.targetsGivenBy(subject, ent, this.#named)
    const covering = this.#covering
    const expired = this.#expired
    covering.length = 0
    expired.length = 0
    for (const st of named) {
      if (covering.includes(st.ticket) || expired.includes(st.ticket)) continue
      const info = ctx.tickets[st.ticket]!
      if (!Ctx.isApprovedGrant(info.t) || info.selfApproved) continue
      if (ctx.hasUnauthorizedApprover(info, st.ent)) continue
      if (info.t.createdAt > time + ctx.policy.tolerance) continue
      if (ctx.expired(info.t)) expired.push(st.ticket)
      else covering.push(st.ticket)
    }
    let coveredBy: CoveredBy = 'none'
    let durable = false
    if (covering.length > 0) coveredBy = 'ticket'
    else if (this.#durable(k)) {
      coveredBy = 'ticket'
      durable = true
    } else if (ctx.birthright[ent]) coveredBy = 'birthright'
    else if (g.baselined[k] || this.#inPolicyBaseline(subject, ent)) coveredBy = 'baseline'
    return { grant: k, identity, subject, ent, time, named, covering, expired, coveredBy, durable }
  }

  /** Coverage recorded earlier by a ticket that has since left the window survives, unless it has ended. */
  #durable(k: number): boolean {
    const g = this.#ctx.snap.grants
    if (g.evCoveredBy[k] !== 1) return false
    const ev = g.evTicket[k]!
    if (ev < 0 || this.#inWindow[ev]) return false
    const ends = g.evExpires[k]!
    return Number.isNaN(ends) || ends + this.#ctx.policy.grace.expiry >= this.#ctx.now
  }

  #inPolicyBaseline(subject: number, ent: number): boolean {
    if (this.#policyBaseline.size === 0) return false
    const matchers = this.#policyBaseline.get(this.#ctx.snap.subjects[subject]!.key)
    if (!matchers) return false
    const sel = selectable(this.#ctx.snap.entitlements[ent]!)
    return matchers.some((m) => m(sel))
  }
}

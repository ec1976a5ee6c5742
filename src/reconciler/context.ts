import type { Policy } from '../config/policy.ts'
import { isNonHuman } from '../model/identity.ts'
import { Holding } from './holding.ts'
import { createPersonKeyer, nhiKey, personKeySource } from './person-key.ts'
import { compileAny, compileGlob, compileSelector, type EntitlementMatcher } from './selectors.ts'
import type { EntitlementRec, Snapshot, TicketRec } from './snapshot.ts'

export type TargetStatus = 'resolved' | 'unknown' | 'ambiguous'

export interface ResolvedTarget {
  // Shared between tickets that name the same target: never mutated.
  readonly system: string | null
  readonly text: string
  readonly status: TargetStatus
  /** The entitlement index when resolved, else -1. */
  readonly ent: number
}

/** A ticket with its beneficiary, targets and approvals resolved. */
export interface TicketInfo {
  t: TicketRec
  subject: number
  beneficiaryKey: string | null
  requesterKey: string | null
  targets: ResolvedTarget[]
  selfApproved: boolean
  /** Person keys of the `approved` approvals. */
  approvers: string[]
  /** Latest `decidedAt` of an approved approval, else `updatedAt` when approved; null when not approved. */
  approvedAt: number | null
  /** `closedAt`, else `updatedAt`: when the ticket reached its state. */
  settledAt: number
}

/** A resolved target of a subject's ticket, indexed by subject for the grant rules. */
export interface SubjectTarget {
  ticket: number
  ent: number
  /** Creation order (ticket, then target): lists gathered from several entitlements are put back in it. */
  seq: number
}

/** Up to this many targets a subject's list is scanned; past it, it is indexed by entitlement (once). */
const SCAN_TARGETS = 16

/**
 * Everything the rules share for one run: the snapshot, the policy compiled against it, resolved subjects and
 * tickets, and the holding graph. Built once per run, in time linear in the data.
 */
export class RunContext {
  readonly snap: Snapshot
  readonly policy: Policy
  readonly now: number
  readonly keyer: (text: string) => string
  readonly holding: Holding
  readonly tickets: TicketInfo[]
  /** subject -> its tickets' resolved targets (an array by subject index: read once per grant). */
  readonly subjectTargets: (SubjectTarget[] | undefined)[] = []
  /** For subjects with many targets only: entitlement -> the subject's targets naming exactly it. */
  readonly #targetsByEnt = new Map<number, Map<number, SubjectTarget[]>>()
  readonly privileged: Uint8Array
  readonly birthright: Uint8Array
  /** Dependencies of "no ticket explains this": every stream of every ticket source (`source\t*`). */
  readonly ticketSide: string[]
  /** Dependencies of "no identity or entitlement answers to this": every stream of every identity source. */
  readonly idpSide: string[]
  readonly #nhiByName = new Map<string, number>()
  readonly #approverRules: { match: EntitlementMatcher; approvers: ((k: string) => boolean)[] }[]
  /** By entitlement index: undefined until asked. */
  readonly #authority: (((k: string) => boolean)[] | null | undefined)[] = []

  constructor(
    snap: Snapshot,
    policy: Policy,
    sources: { tickets: string[]; identities: string[] } = { tickets: [], identities: [] },
  ) {
    this.snap = snap
    this.policy = policy
    this.now = snap.now
    const ticketSources = new Set([...sources.tickets, ...snap.tickets.map((t) => t.source)])
    const idpSources = new Set([...sources.identities, ...snap.identities.map((i) => i.source)])
    this.ticketSide = [...ticketSources].sort().map(wildcard)
    this.idpSide = [...idpSources].sort().map(wildcard)
    // Memoised: tickets name the same requesters, beneficiaries and approvers again and again, and one key
    // string each (not one per mention) keeps a quarter of a million tickets small.
    const keyer = createPersonKeyer(policy.identities)
    const keys = new Map<string, string>()
    this.keyer = (text) => {
      let k = keys.get(text)
      if (k === undefined) {
        k = keyer(text)
        keys.set(text, k)
      }
      return k
    }
    this.#resolveSubjects()
    this.holding = new Holding(snap)
    const priv = compileAny(policy.privileged)
    const birth = compileAny(policy.birthright)
    this.privileged = new Uint8Array(snap.entitlements.length)
    this.birthright = new Uint8Array(snap.entitlements.length)
    snap.entitlements.forEach((e, i) => {
      const sel = selectable(e)
      this.privileged[i] = e.privileged || priv(sel) ? 1 : 0
      this.birthright[i] = birth(sel) ? 1 : 0
    })
    this.#approverRules = policy.approvers.map((a) => ({
      match: compileAny(a.entitlements),
      approvers: a.approvers.map((p) => compileGlob(p.includes('*') || p.includes('?') ? p : this.keyer(p))),
    }))
    this.tickets = this.#resolveTickets()
  }

  #resolveSubjects() {
    const { snap } = this
    snap.identities.forEach((id, i) => {
      let key: string
      let kind: 'person' | 'nhi'
      if (isNonHuman(id.kind)) {
        key = nhiKey(id.source, id.externalId)
        kind = 'nhi'
        for (const name of [id.externalId, id.displayName, key]) {
          if (!name) continue
          const k = name.trim().toLowerCase()
          const prev = this.#nhiByName.get(k)
          // Two NHIs answering to one name make it ambiguous: a ticket naming it resolves to neither.
          this.#nhiByName.set(k, prev === undefined || prev === i ? i : -2)
        }
      } else {
        const src = personKeySource(id)
        // An account with no email, UPN or login is its own subject: it still holds access.
        key = src ? this.keyer(src) : nhiKey(id.source, id.externalId)
        kind = 'person'
      }
      let s = snap.subjectIndex.get(key)
      if (s === undefined) {
        s = snap.subjects.length
        snap.subjects.push({ key, kind, identities: [] })
        snap.subjectIndex.set(key, s)
      }
      snap.subjects[s]!.identities.push(i)
      id.subject = s
    })
  }

  /** A ticket's beneficiary (email, login, NHI id or name) -> subject index, or -1. */
  resolveBeneficiary(text: string | null): number {
    if (!text || text.trim() === '') return -1
    const person = this.snap.subjectIndex.get(this.keyer(text))
    if (person !== undefined && this.snap.subjects[person]!.kind === 'person') return person
    const nhi = this.#nhiByName.get(text.trim().toLowerCase())
    if (nhi !== undefined && nhi >= 0) return this.snap.identities[nhi]!.subject
    return -1
  }

  #resolveTickets(): TicketInfo[] {
    const { snap } = this
    const byId = new Map<string, number[]>()
    const byName = new Map<string, number[]>()
    const add = (m: Map<string, number[]>, k: string, i: number) => {
      const l = m.get(k)
      if (l) l.push(i)
      else m.set(k, [i])
    }
    snap.entitlements.forEach((e, i) => {
      add(byId, e.externalId, i)
      add(byName, e.name.toLowerCase(), i)
    })
    // Tickets name a few thousand entitlements between them: each (system, text) is resolved once and shared.
    const resolved = new Map<string, ResolvedTarget>()
    const resolveTarget = (system: string | null, text: string): ResolvedTarget => {
      const key = `${system ?? ''}\t${text}`
      let r = resolved.get(key)
      if (!r) {
        r = resolveTargetOnce(system, text)
        resolved.set(key, r)
      }
      return r
    }
    const resolveTargetOnce = (system: string | null, text: string): ResolvedTarget => {
      const found = new Set<number>()
      for (const i of byId.get(text.trim()) ?? []) found.add(i)
      for (const i of byName.get(text.trim().toLowerCase()) ?? []) found.add(i)
      const hits = [...found].filter((i) => !system || snap.entitlements[i]!.source === system)
      const status: TargetStatus =
        hits.length === 1 ? 'resolved' : hits.length === 0 ? 'unknown' : 'ambiguous'
      return { system, text, status, ent: hits.length === 1 ? hits[0]! : -1 }
    }
    let seq = 0
    return snap.tickets.map((t, ti) => {
      const subject = this.resolveBeneficiary(t.beneficiary)
      const beneficiaryKey = t.beneficiary ? this.keyer(t.beneficiary) : null
      const requesterKey = t.requester ? this.keyer(t.requester) : null
      const approved = t.approvals.filter((a) => a.decision === 'approved')
      const approvers = approved.map((a) => this.keyer(a.approver))
      const selfApproved = approvers.some((k) => k === beneficiaryKey || k === requesterKey)
      let approvedAt: number | null = null
      for (const a of approved)
        if (a.decidedAt !== null && (approvedAt === null || a.decidedAt > approvedAt))
          approvedAt = a.decidedAt
      if (approvedAt === null && t.approval === 'approved') approvedAt = t.updatedAt
      const targets = t.unmappable
        ? []
        : t.targets.map((tg) => resolveTarget(tg.system ?? null, tg.entitlement))
      if (subject >= 0) {
        for (const tg of targets) {
          if (tg.ent < 0) continue
          const ref = { ticket: ti, ent: tg.ent, seq: seq++ }
          const list = this.subjectTargets[subject]
          if (list) list.push(ref)
          else this.subjectTargets[subject] = [ref]
        }
      }
      return {
        t,
        subject,
        beneficiaryKey,
        requesterKey,
        targets,
        selfApproved,
        approvers,
        approvedAt,
        settledAt: t.closedAt ?? t.updatedAt,
      }
    })
  }

  /**
   * The subject's ticket targets that a grant of `ent` answers to (naming `ent` or one it confers), in ticket
   * order, into `out`. A long list is looked up by entitlement, not scanned: one subject can hold thousands of
   * grants and name thousands of targets, and this runs once per grant.
   */
  targetsGivenBy(subject: number, ent: number, out: SubjectTarget[]): SubjectTarget[] {
    out.length = 0
    const list = this.subjectTargets[subject]
    if (!list) return out
    if (list.length <= SCAN_TARGETS) {
      for (const st of list) if (this.holding.gives(ent, st.ent)) out.push(st)
      return out
    }
    let byEnt = this.#targetsByEnt.get(subject)
    if (!byEnt) {
      byEnt = new Map()
      for (const st of list) {
        const l = byEnt.get(st.ent)
        if (l) l.push(st)
        else byEnt.set(st.ent, [st])
      }
      this.#targetsByEnt.set(subject, byEnt)
    }
    const own = byEnt.get(ent)
    if (own) for (const st of own) out.push(st)
    let lists = own ? 1 : 0
    for (const c of this.holding.conferred(ent)) {
      const more = byEnt.get(c)
      if (!more) continue
      for (const st of more) out.push(st)
      lists++
    }
    if (lists > 1) out.sort((a, b) => a.seq - b.seq)
    return out
  }

  /** Approvers with authority over an entitlement, or null when the policy names none (anyone may approve). */
  #authorityFor(ent: number): ((k: string) => boolean)[] | null {
    let a = this.#authority[ent]
    if (a !== undefined) return a
    const sel = selectable(this.snap.entitlements[ent]!)
    const rules = this.#approverRules.filter((r) => r.match(sel))
    a = rules.length === 0 ? null : rules.flatMap((r) => r.approvers)
    this.#authority[ent] = a
    return a
  }

  /** Whether any `approved` approver of a ticket lacks authority over `ent` (allocates nothing: per grant). */
  hasUnauthorizedApprover(info: TicketInfo, ent: number): boolean {
    const globs = this.#authorityFor(ent)
    if (globs === null) return false
    for (const k of info.approvers) if (!globs.some((g) => g(k))) return true
    return false
  }

  /** The `approved` approvers of a ticket who lack authority over `ent` (empty: all have it). */
  unauthorizedApprovers(info: TicketInfo, ent: number): string[] {
    const globs = this.#authorityFor(ent)
    if (globs === null) return []
    return info.approvers.filter((k) => !globs.some((g) => g(k)))
  }

  /** Kind grant, the vendor's verdict approved, state approved or fulfilled. */
  static isApprovedGrant(t: TicketRec): boolean {
    return (
      t.kind === 'grant' && t.approval === 'approved' && (t.state === 'approved' || t.state === 'fulfilled')
    )
  }

  /** Expired past its grace: `expiresAt` + `grace.expiry` before now. */
  expired(t: TicketRec): boolean {
    return t.expiresAt !== null && t.expiresAt + this.policy.grace.expiry < this.now
  }

  isNhi(subject: number): boolean {
    return this.snap.subjects[subject]?.kind === 'nhi'
  }
}

/** Every stream of a source: complete only when the source has run and all its streams are complete. */
export function wildcard(source: string): string {
  return `${source}\t*`
}

export function selectable(e: EntitlementRec) {
  return { source: e.source, type: e.type, externalId: e.externalId, name: e.name }
}

export { compileSelector }

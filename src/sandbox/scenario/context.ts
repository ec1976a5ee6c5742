import type { RuleId } from '../../model/rule-id.ts'
import type { PlantedFinding, UnresolvedTarget } from './manifest.ts'
import { type EntRef, requiredApprovers } from './policy.ts'
import type { Rng } from './random.ts'
import type { SizeParams } from './sizes.ts'
import { DAY, HOUR, MINUTE } from './time.ts'
import type { ApprovalSpec, Ent, Person, TicketRef, TicketStateSpec, World } from './world.ts'

/** Options of one access request; every time defaults to a plausible, drift-free timeline. */
export interface RequestOptions {
  via?: 'servicenow' | 'jira'
  kind?: 'grant' | 'revoke'
  state?: TicketStateSpec
  /** `none`: no approval was asked (revokes). */
  verdict?: 'approved' | 'rejected' | 'pending' | 'none'
  created?: number
  approvedAt?: number
  grantedAt?: number
  closedAt?: number | null
  expires?: number | null
  /** Approvers; default: someone with authority who is neither beneficiary nor requester. */
  approvers?: Person[]
  requester?: Person
  /** Also provision the entitlements (default true for grant tickets that end approved or fulfilled). */
  provision?: boolean
  system?: 'entra' | 'okta' | null
  targets?: string[]
  beneficiary?: { person: Person } | { text: string }
  aclHidden?: boolean
}

export interface Approvers {
  cfo: Person
  controller: Person
  ciso: Person
  iamLead: Person
}

/**
 * Everything the background and the plants share: the world, the entitlement pools, the people who approve,
 * and the manifest under construction.
 */
export class Ctx {
  readonly world: World
  readonly rng: Rng
  readonly now: number
  readonly params: SizeParams
  readonly planted: PlantedFinding[] = []
  readonly baseline: { identity: string; name: string }[] = []
  readonly nhiOwners: Record<string, string[]> = {}
  approvers!: Approvers
  /** People who raise tickets for others (service desk). */
  helpdesk: Person[] = []
  /** Per department: active Entra members whose email Jira shows; they approve as managers. */
  readonly managers = new Map<string, Person[]>()

  constructor(world: World, params: SizeParams) {
    this.world = world
    this.rng = world.rng
    this.now = world.now
    this.params = params
  }

  find(
    rule: RuleId,
    plant: string,
    identity: Person | { nhi: string } | null,
    entitlement: EntRef | UnresolvedTarget | null,
    ticket: TicketRef | null,
    credentialKeyId?: string,
  ): void {
    this.planted.push({
      rule,
      plant,
      identity: !identity
        ? null
        : 'nhi' in identity
          ? { key: identity.nhi, kind: 'nhi' }
          : { key: identity.key, kind: 'person' },
      entitlement,
      ticket,
      credentialKeyId,
    })
  }

  /** A manager for `p`: someone else in the department (or anywhere) who may approve unrestricted access. */
  manager(p: Person, not: Person[] = []): Person {
    const pool = this.managers.get(p.dept) ?? []
    for (let i = 0; i < 8; i++) {
      const m = pool.length ? this.rng.pick(pool) : this.approvers.iamLead
      if (m !== p && !not.includes(m)) return m
    }
    const all = [...this.managers.values()].flat()
    for (const m of all) if (m !== p && !not.includes(m)) return m
    throw new Error('scenario: no manager available')
  }

  /** Someone with authority over every entitlement in `ents`, who is neither `p` nor `requester`. */
  approverFor(p: Person, requester: Person, ents: readonly EntRef[]): Person {
    const need = ents.map((e) => requiredApprovers(e)).find((r) => r !== null)
    if (!need) return this.manager(p, [requester])
    const { cfo, controller, ciso, iamLead } = this.approvers
    const people = [cfo, controller, ciso, iamLead].filter((x) => need.includes(x.key))
    const ok = people.filter((x) => x !== p && x !== requester)
    if (!ok.length) throw new Error(`scenario: nobody may approve ${ents[0]!.name} for ${p.key}`)
    return this.rng.pick(ok)
  }

  /** When tickets are raised: within the look-back window, old enough that every grace has passed. */
  pastTime(minDays = 5, maxDays = 380): number {
    return this.now - this.rng.range(minDays, maxDays) * DAY - this.rng.int(DAY)
  }

  /**
   * An access request from (or for) `p` naming `ents`, written to ServiceNow or Jira. Approved and fulfilled
   * grant tickets also provision the entitlements, after the approval (so no ACC-006) and after the ticket
   * was raised (so the ticket covers them).
   */
  request(p: Person, ents: readonly Ent[], o: RequestOptions = {}): TicketRef {
    const rng = this.rng
    const kind = o.kind ?? 'grant'
    const state = o.state ?? 'fulfilled'
    const system = o.system === undefined ? ents[0]!.source : o.system
    const via =
      o.via ??
      (system === 'okta'
        ? rng.chance(0.75)
          ? 'jira'
          : 'servicenow'
        : rng.chance(0.75)
          ? 'servicenow'
          : 'jira')
    const requester = o.requester ?? (this.helpdesk.length && rng.chance(0.25) ? rng.pick(this.helpdesk) : p)
    const created = o.created ?? this.pastTime()
    const approvedAt = o.approvedAt ?? created + rng.range(10, 2 * 24 * 60) * MINUTE
    const grantedAt = o.grantedAt ?? approvedAt + rng.range(5, 24 * 60) * MINUTE
    const verdict =
      o.verdict ??
      (kind === 'revoke'
        ? 'none'
        : state === 'rejected'
          ? 'rejected'
          : state === 'open' || state === 'cancelled'
            ? 'pending'
            : 'approved')
    let approvals: ApprovalSpec[] = []
    if (verdict !== 'none') {
      const who = o.approvers ?? [this.approverFor(p, requester, ents)]
      const decision = verdict === 'approved' ? 'approved' : verdict === 'rejected' ? 'rejected' : 'pending'
      approvals = who.map((a, i) => ({
        approver: a,
        decision,
        at: approvedAt - (who.length - 1 - i) * rng.range(1, 120) * MINUTE,
      }))
    }
    const closedAt =
      o.closedAt !== undefined
        ? o.closedAt
        : state === 'fulfilled'
          ? grantedAt + rng.range(1, 180) * MINUTE
          : state === 'rejected'
            ? approvedAt + rng.range(1, 60) * MINUTE
            : state === 'cancelled'
              ? created + rng.range(1, 72) * HOUR
              : null
    const updated = closedAt ?? (state === 'approved' ? grantedAt : created + rng.range(1, 600) * MINUTE)
    const ref = this.world.ticket({
      via,
      kind,
      beneficiary: o.beneficiary ?? { person: p },
      requester,
      system,
      targets: o.targets ?? ents.map((e) => e.name),
      state,
      verdict,
      approvals,
      created,
      updated,
      closed: closedAt,
      expires: o.expires ?? null,
      summary: `${kind === 'revoke' ? 'Remove' : 'Access'}: ${ents.map((e) => e.name).join(', ')}`.slice(
        0,
        160,
      ),
      aclHidden: o.aclHidden,
    })
    const provision = o.provision ?? (kind === 'grant' && (state === 'fulfilled' || state === 'approved'))
    if (provision) for (const e of ents) this.world.grant(p, e, grantedAt + rng.int(60) * 1000)
    return ref
  }
}

import type { Snapshot } from './snapshot.ts'

/**
 * Who holds what, following the vendors' semantics (DESIGN section 4): nested Entra group membership is
 * transitive and cycle-safe; an app, app role or role assigned to a group reaches that group's direct members
 * only; Okta groups do not nest (they simply have no group-in-group grants). Grants held by groups are
 * configuration: they only confer access on members.
 */
export class Holding {
  readonly #snap: Snapshot
  /** group entitlement -> the groups it is a member of. */
  readonly #parents = new Map<number, number[]>()
  /** group entitlement -> the non-group entitlements assigned to the group itself. */
  readonly #assigned = new Map<number, number[]>()
  /** By entitlement index, memoised: asked for once per grant. */
  readonly #conferred: (readonly number[] | undefined)[] = []
  /** Identity-held grants by identity: grant numbers `byIdentity[start[i] .. start[i+1])`. */
  readonly #start: Int32Array
  readonly #byIdentity: Int32Array

  constructor(snap: Snapshot) {
    this.#snap = snap
    const g = snap.grants
    const counts = new Int32Array(snap.identities.length + 1)
    for (let k = 0; k < g.n; k++) {
      if (g.isGroup[k]) {
        const group = g.principal[k]!
        const ent = g.ent[k]!
        const map = snap.entitlements[ent]!.type === 'group' ? this.#parents : this.#assigned
        const list = map.get(group)
        if (list) list.push(ent)
        else map.set(group, [ent])
      } else counts[g.principal[k]! + 1]!++
    }
    for (let i = 1; i < counts.length; i++) counts[i]! += counts[i - 1]!
    this.#start = counts
    this.#byIdentity = new Int32Array(counts[counts.length - 1]!)
    const fill = counts.slice(0, -1)
    for (let k = 0; k < g.n; k++) if (!g.isGroup[k]) this.#byIdentity[fill[g.principal[k]!]!++] = k
  }

  /** The identity-held direct grants of one identity (grant numbers). */
  grantsOf(identity: number): Int32Array {
    return this.#byIdentity.subarray(this.#start[identity]!, this.#start[identity + 1]!)
  }

  /**
   * What holding `ent` directly confers beyond itself: for a group, the groups it nests in (transitively) and
   * what is assigned to the group itself; nothing for other entitlements.
   */
  conferred(ent: number): readonly number[] {
    const memo = this.#conferred[ent]
    if (memo) return memo
    const out: number[] = []
    if (this.#snap.entitlements[ent]!.type === 'group') {
      const seen = new Set<number>([ent])
      const stack = [ent]
      while (stack.length) {
        const cur = stack.pop()!
        for (const p of this.#parents.get(cur) ?? []) {
          if (seen.has(p)) continue // a nesting cycle: each group once
          seen.add(p)
          out.push(p)
          stack.push(p)
        }
      }
      for (const a of this.#assigned.get(ent) ?? []) if (!seen.has(a)) out.push(a)
    }
    this.#conferred[ent] = out
    return out
  }

  /** Whether holding `ent` directly gives `target` (itself or conferred). */
  gives(ent: number, target: number): boolean {
    return ent === target || this.conferred(ent).includes(target)
  }

  /** Whether a subject holds `target`, directly or inherited, across its identities. */
  holds(identities: readonly number[], target: number): boolean {
    const ents = this.#snap.grants.ent
    for (const i of identities) {
      for (const k of this.grantsOf(i)) if (this.gives(ents[k]!, target)) return true
    }
    return false
  }
}

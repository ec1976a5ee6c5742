import { type RunContext, selectable, wildcard } from '../context.ts'
import type { Emit } from '../draft.ts'
import { compileSelector } from '../selectors.ts'
import type { RuleDef } from './rule.ts'

export const rule: RuleDef = {
  id: 'ACC-010',
  summary: 'Separation-of-duties conflict',
  attachesTo: 'person x pair',
  severity: 'critical',
  ocsfType: 'sod_violation',
  control: 'NIST AC-5',
  remediation:
    'Remove one side of the conflicting pair (usually the one granted last), or record an exception with a ' +
    'compensating control and an expiry.',
}

/**
 * For each person, what they hold of the policy's SoD entitlements, directly or inherited, with the time of
 * their own direct grant that gives it (the earliest when held several ways); then every pair across two
 * selectors of a set the person fully holds.
 */
export function run(ctx: RunContext, emit: Emit): void {
  const sets = ctx.policy.sod
  if (sets.length === 0) return
  const { snap, holding } = ctx
  const sides = sets.map((s) => s.entitlements.map(compileSelector))
  const sodEnt = new Set<number>()
  const matches = sides.map((sel) =>
    sel.map((m) => {
      const hit = new Set<number>()
      snap.entitlements.forEach((e, i) => {
        if (m(selectable(e))) {
          hit.add(i)
          sodEnt.add(i)
        }
      })
      return hit
    }),
  )
  if (sodEnt.size === 0) return
  const reach = new Map<number, number[]>()
  const reachOf = (e: number) => {
    let r = reach.get(e)
    if (!r) {
      r = [e, ...holding.conferred(e)].filter((x) => sodEnt.has(x))
      reach.set(e, r)
    }
    return r
  }
  const g = snap.grants
  snap.subjects.forEach((subject, s) => {
    if (subject.kind !== 'person') return
    let held: Map<number, { time: number; grant: number }> | null = null
    for (const i of subject.identities) {
      for (const k of holding.grantsOf(i)) {
        const r = reachOf(g.ent[k]!)
        if (r.length === 0) continue
        const time = Number.isNaN(g.grantedAt[k]!) ? g.firstSeen[k]! : g.grantedAt[k]!
        held ??= new Map()
        for (const e of r) {
          const prev = held.get(e)
          if (!prev || time < prev.time) held.set(e, { time, grant: k })
        }
      }
    }
    if (!held) return
    const h = held
    // Pairs that share the side granted last are one finding (the fingerprint has no place for the other side).
    const byLater = new Map<number, { others: Set<number>; sets: Set<string> }>()
    sets.forEach((set, si) => {
      const perSide = matches[si]!.map((m) => [...m].filter((e) => h.has(e)))
      if (perSide.some((l) => l.length === 0)) return
      for (let a = 0; a < perSide.length; a++) {
        for (let b = a + 1; b < perSide.length; b++) {
          for (const x of perSide[a]!) {
            for (const y of perSide[b]!) {
              if (x === y) continue
              const [later, other] = laterOf(ctx, x, h.get(x)!.time, y, h.get(y)!.time)
              const entry = byLater.get(later) ?? { others: new Set<number>(), sets: new Set<string>() }
              entry.others.add(other)
              entry.sets.add(set.name)
              byLater.set(later, entry)
            }
          }
        }
      }
    })
    for (const [later, { others, sets: names }] of byLater) {
      const le = snap.entitlements[later]!
      const os = [...others]
        .map((o) => snap.entitlements[o]!)
        .sort((p, q) => p.name.localeCompare(q.name) || p.externalId.localeCompare(q.externalId))
      const setNames = [...names].sort()
      emit({
        rule: 'ACC-010',
        subject: s,
        ent: later,
        ticket: -1,
        grant: h.get(later)!.grant,
        title: `${subject.key} holds both ${os.map((o) => o.name).join(', ')} and ${le.name} (${setNames.join(', ')})`,
        evidence: {
          why: `holding both sides of the separation-of-duties set ${setNames.map((n) => `"${n}"`).join(', ')} is a conflict`,
          sodSets: setNames,
          other: {
            source: os[0]!.source,
            type: os[0]!.type,
            externalId: os[0]!.externalId,
            name: os[0]!.name,
          },
          others: os.map((o) => ({ source: o.source, type: o.type, externalId: o.externalId, name: o.name })),
          grantedLast: { name: le.name, at: new Date(h.get(later)!.time).toISOString() },
        },
        deps: [...new Set([wildcard(le.source), ...os.map((o) => wildcard(o.source))])],
      })
    }
  })
}

/** The side granted last; a tie: the one whose name sorts first. Returns [later, other]. */
function laterOf(ctx: RunContext, x: number, tx: number, y: number, ty: number): [number, number] {
  if (tx !== ty) return tx > ty ? [x, y] : [y, x]
  const nx = ctx.snap.entitlements[x]!.name
  const ny = ctx.snap.entitlements[y]!.name
  return nx <= ny ? [x, y] : [y, x]
}

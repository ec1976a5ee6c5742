import type { RunContext } from '../context.ts'

/** When several tickets qualify: the latest created, then the highest key (docs/rules.md). -1 for none. */
export function latestCreated(ctx: RunContext, tickets: Iterable<number>): number {
  let best = -1
  for (const ti of tickets) {
    if (best < 0) {
      best = ti
      continue
    }
    const a = ctx.tickets[ti]!.t
    const b = ctx.tickets[best]!.t
    if (a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.key > b.key)) best = ti
  }
  return best
}

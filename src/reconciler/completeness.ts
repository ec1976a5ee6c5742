import type { StreamCompleteness } from '../store/repositories/sync-runs.ts'

/**
 * Whether a finding's inputs are complete (DESIGN section 5): each `source\tstream` it was computed from must be
 * complete; `source\t*` needs the source to have run and every one of its streams to be complete. A source that
 * never ran is incomplete.
 */
export function completenessCheck(rows: readonly StreamCompleteness[]) {
  const stream = new Map<string, boolean>()
  const source = new Map<string, boolean>()
  for (const r of rows) {
    stream.set(`${r.connectorId}\t${r.stream}`, r.complete)
    source.set(r.connectorId, (source.get(r.connectorId) ?? true) && r.complete)
  }
  const one = (dep: string) => {
    const tab = dep.indexOf('\t')
    const src = dep.slice(0, tab)
    const s = dep.slice(tab + 1)
    return s === '*' ? source.get(src) === true : stream.get(dep) === true
  }
  const incomplete = new Set<string>()
  return {
    complete(deps: readonly string[]): boolean {
      let ok = true
      for (const d of deps) {
        if (!one(d)) {
          incomplete.add(d)
          ok = false
        }
      }
      return ok
    },
    /** The inputs found incomplete so far, for the run summary. */
    incomplete(): string[] {
      return [...incomplete].map((d) => d.replace('\t*', ' (all streams)').replace('\t', '/')).sort()
    },
  }
}

import { sql } from 'kysely'
import type { Db } from '../store/database.ts'
import type { StreamCompleteness } from '../store/repositories/sync-runs.ts'

/**
 * Sources whose latest finished sync run failed. A run stops at its first failing stream, so the streams it never
 * reached have no failed run of their own; the source as a whole is still not to be trusted until it succeeds.
 */
export async function sourcesWithFailedLastRun(db: Db): Promise<Set<string>> {
  const r = await sql<{ connector_id: string; status: string }>`
    select distinct on (connector_id) connector_id, status from sync_runs
    where status in ('succeeded', 'failed') order by connector_id, seq desc`.execute(db)
  return new Set(r.rows.filter((x) => x.status === 'failed').map((x) => x.connector_id))
}

/**
 * Whether a finding's inputs are complete (DESIGN section 5): each `source\tstream` it was computed from must be
 * complete; `source\t*` needs the source to have run and every one of its streams to be complete. A source that
 * never ran, or whose latest run failed, is incomplete.
 */
export function completenessCheck(
  rows: readonly StreamCompleteness[],
  failedSources: ReadonlySet<string> = new Set(),
) {
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
    if (failedSources.has(src)) return false
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

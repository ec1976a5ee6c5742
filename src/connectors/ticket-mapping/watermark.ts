/**
 * The incremental cursor of a ticket stream: a `sys_updated_on` (or Jira `updated`) watermark plus the rows
 * already read inside the overlap window, so the next run re-reads that window (clock skew, slow commits) without
 * counting unchanged rows as changes: dedupe on id and update time.
 */
export interface Watermark {
  /** ISO instant. */
  t: string
  /** `id@updatedIso` of rows read with an update time inside the overlap window before `t`. */
  recent: string[]
}

/** Rows kept for dedupe at most; past this the overlap is simply re-read and re-written (idempotent). */
const MAX_RECENT = 5_000

export function isWatermark(v: unknown): v is Watermark {
  return (
    !!v &&
    typeof v === 'object' &&
    typeof (v as Watermark).t === 'string' &&
    !Number.isNaN(Date.parse((v as Watermark).t)) &&
    Array.isArray((v as Watermark).recent)
  )
}

/** Tracks the highest update time read and the rows inside the trailing overlap window. */
export class WatermarkTracker {
  #max: number
  readonly #overlapMs: number
  #recent = new Map<string, number>()
  readonly #previous: Set<string>
  readonly #fixed: boolean

  /**
   * `fixed`: a full listing in key order, whose watermark must stay its start time: a row updated during the run
   * behind the listing's position was not read, and only a watermark from before that update finds it next time.
   */
  constructor(start: Watermark | null, overlapMs: number, fixed = false) {
    this.#max = start ? Date.parse(start.t) : Number.NEGATIVE_INFINITY
    this.#overlapMs = overlapMs
    this.#previous = new Set(start?.recent ?? [])
    this.#fixed = fixed
  }

  /** The instant an incremental run starts reading from (inclusive). */
  startFrom(): Date | null {
    return Number.isFinite(this.#max) ? new Date(this.#max - this.#overlapMs) : null
  }

  /** Whether this exact version of the row was read by the previous run (unchanged since). */
  seenBefore(id: string, updated: Date): boolean {
    return this.#previous.has(`${id}@${updated.toISOString()}`)
  }

  observe(id: string, updated: Date): void {
    const t = updated.getTime()
    if (t > this.#max && !this.#fixed) this.#max = t
    if (t >= this.#max - this.#overlapMs) this.#recent.set(`${id}@${updated.toISOString()}`, t)
    if (this.#recent.size > MAX_RECENT * 2) this.#prune()
  }

  /**
   * Takes in what an interrupted run of the same kind had read before it stopped (its own `value()`), so the
   * watermark and the dedupe list that this resumed run leaves cover both parts.
   */
  absorb(progress: Watermark): void {
    const t = Date.parse(progress.t)
    if (!Number.isNaN(t) && t > this.#max && !this.#fixed) this.#max = t
    for (const key of progress.recent) {
      const at = Date.parse(key.slice(key.lastIndexOf('@') + 1))
      if (!Number.isNaN(at)) this.#recent.set(key, at)
    }
  }

  value(): Watermark | null {
    if (!Number.isFinite(this.#max)) return null
    this.#prune()
    return { t: new Date(this.#max).toISOString(), recent: [...this.#recent.keys()].slice(-MAX_RECENT) }
  }

  #prune() {
    const cutoff = this.#max - this.#overlapMs
    for (const [k, t] of this.#recent) if (t < cutoff) this.#recent.delete(k)
  }
}

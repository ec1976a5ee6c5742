import cron, { type ScheduledTask } from 'node-cron'
import type { Logger } from '../core/logger.ts'

export interface Job {
  name: string
  schedule: string
  /** Jobs with the same lane never run at once (a connector's regular and full syncs share one). */
  lane: string
  run(signal: AbortSignal): Promise<void>
}

/**
 * node-cron fires each job on its schedule; the scheduler runs it only on the leader, never two of one lane at
 * once (a tick that finds its lane busy is skipped and logged), and tracks what runs so shutdown can wait for it.
 */
export class Scheduler {
  readonly #tasks: ScheduledTask[] = []
  readonly #busy = new Map<string, Promise<void>>()
  readonly #abort = new AbortController()
  readonly #logger: Logger
  readonly #isLeader: () => boolean
  #stopped = false

  constructor(logger: Logger, isLeader: () => boolean) {
    this.#logger = logger
    this.#isLeader = isLeader
  }

  get signal(): AbortSignal {
    return this.#abort.signal
  }

  add(job: Job): void {
    const task = cron.schedule(job.schedule, () => void this.trigger(job, 'schedule'), {
      name: job.name,
      noOverlap: false,
    })
    this.#tasks.push(task)
  }

  /** Runs a job now unless stopped, not the leader, or its lane is busy. Resolves when it ends. */
  trigger(job: Job, reason: string): Promise<void> {
    if (this.#stopped || !this.#isLeader()) return Promise.resolve()
    const running = this.#busy.get(job.lane)
    if (running) {
      this.#logger.info(
        { job: job.name, lane: job.lane, reason },
        'skipped: the previous run of this lane is still going',
      )
      return running
    }
    const p = (async () => {
      const started = performance.now()
      try {
        this.#logger.debug({ job: job.name, reason }, 'job starting')
        await job.run(this.#abort.signal)
        this.#logger.info({ job: job.name, ms: Math.round(performance.now() - started) }, 'job finished')
      } catch (e) {
        this.#logger.error({ job: job.name, err: e }, 'job failed')
      } finally {
        this.#busy.delete(job.lane)
      }
    })()
    this.#busy.set(job.lane, p)
    return p
  }

  get running(): string[] {
    return [...this.#busy.keys()]
  }

  /** Stops scheduling and aborts in-flight work; resolves when it has ended or the timeout passed. */
  async stop(timeoutMs: number): Promise<boolean> {
    this.#stopped = true
    for (const t of this.#tasks) await t.destroy()
    this.#abort.abort(new Error('shutting down'))
    const all = Promise.allSettled([...this.#busy.values()]).then(() => true)
    const timeout = new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref())
    return Promise.race([all, timeout])
  }
}

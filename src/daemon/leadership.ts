import { hostname } from 'node:os'
import type { Logger } from '../core/logger.ts'
import type { Db } from '../store/database.ts'
import { acquireLease, releaseLease } from '../store/repositories/leases.ts'

export const LEADER_LEASE = 'daemon-leader'

export interface LeadershipOptions {
  db: Db
  logger: Logger
  ttlMs: number
  /** The embedded store serves one process: it is always the leader. */
  alwaysLeader?: boolean
  holder?: string
  onChange?: (leader: boolean) => void
}

/**
 * One active leader among replicas: a lease row with a heartbeat at a third of its time to live. A leader that
 * cannot renew (its store unreachable, its lease taken after expiry) steps down at once.
 */
export class Leadership {
  readonly holder: string
  #leader = false
  #timer: NodeJS.Timeout | undefined
  #stopped = false
  readonly #opts: LeadershipOptions

  constructor(opts: LeadershipOptions) {
    this.#opts = opts
    this.holder = opts.holder ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`
  }

  get isLeader(): boolean {
    return this.#leader
  }

  async start(): Promise<void> {
    await this.tick()
    const every = Math.max(200, Math.floor(this.#opts.ttlMs / 3))
    this.#timer = setInterval(() => void this.tick(), every)
    this.#timer.unref()
  }

  async tick(): Promise<void> {
    if (this.#stopped) return
    let leader: boolean
    if (this.#opts.alwaysLeader) leader = true
    else {
      try {
        leader = await acquireLease(this.#opts.db, LEADER_LEASE, this.holder, this.#opts.ttlMs, new Date())
      } catch (e) {
        this.#opts.logger.warn({ err: e }, 'could not renew the leader lease: standing by')
        leader = false
      }
    }
    if (leader !== this.#leader) {
      this.#leader = leader
      this.#opts.logger.info(
        { holder: this.holder },
        leader ? 'became the leader' : 'standing by (another replica leads)',
      )
      this.#opts.onChange?.(leader)
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer) clearInterval(this.#timer)
    if (this.#leader && !this.#opts.alwaysLeader) {
      await releaseLease(this.#opts.db, LEADER_LEASE, this.holder).catch(() => {})
    }
    this.#leader = false
  }
}

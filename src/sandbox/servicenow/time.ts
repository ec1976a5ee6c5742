import { nowMs } from '../../core/clock.ts'

/** `yyyy-MM-dd HH:mm:ss` in UTC, ServiceNow's stored date-time format. */
export function snDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}

export function parseSnDateTime(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`)
}

/**
 * The time stamped on writes. It follows accord's clock (so `ACCORD_NOW` places the sandbox in the scenario's
 * time) but never repeats or goes back: each write is at least one second after the previous one, so every write
 * changes `sys_updated_on` and a `sys_updated_on>=` watermark always sees it, even with a frozen clock.
 */
export class WriteClock {
  #last: number | undefined
  readonly #start: () => number
  /** `startAfter`: the latest existing stamp, or a function computing it on the first write (saves start-up). */
  constructor(startAfter: number | (() => number) = 0) {
    this.#start = typeof startAfter === 'number' ? () => startAfter : startAfter
  }

  next(): number {
    this.#last = Math.max(nowMs(), (this.#last ?? this.#start()) + 1000)
    return this.#last
  }
}

/**
 * The scenario's only source of randomness: a small seeded generator (sfc32, seeded through splitmix32), so a
 * `(seed, size)` pair always yields the same tenant on every machine and Node version. `Math.random` is never
 * used. Vendor ids are drawn from it in each vendor's own format.
 */

function splitmix32(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
}

const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

export class Rng {
  #a: number
  #b: number
  #c: number
  #d: number

  constructor(seed: number) {
    const sm = splitmix32(seed)
    this.#a = sm()
    this.#b = sm()
    this.#c = sm()
    this.#d = sm()
    for (let i = 0; i < 12; i++) this.u32()
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0
    this.#d = (this.#d + 1) >>> 0
    this.#a = this.#b ^ (this.#b >>> 9)
    this.#b = (this.#c + (this.#c << 3)) >>> 0
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0
    this.#c = (this.#c + t) >>> 0
    return t
  }

  /** A float in [0, 1). */
  next(): number {
    return this.u32() / 4294967296
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** An integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!
  }

  /** `k` distinct items (fewer when there are fewer), in draw order. */
  sample<T>(items: readonly T[], k: number): T[] {
    if (k >= items.length) return [...items]
    const chosen = new Set<number>()
    const out: T[] = []
    while (out.length < k) {
      const i = this.int(items.length)
      if (chosen.has(i)) continue
      chosen.add(i)
      out.push(items[i]!)
    }
    return out
  }

  /** `n` lowercase hex digits (n a multiple of 8). */
  hex(n: number): string {
    let s = ''
    for (let i = 0; i < n; i += 8) {
      const v = this.u32()
      s += HEX2[v >>> 24]! + HEX2[(v >>> 16) & 255]! + HEX2[(v >>> 8) & 255]! + HEX2[v & 255]!
    }
    return s
  }

  /** A version-4 GUID, as Graph writes ids. */
  guid(): string {
    const h = this.hex(32)
    const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
  }

  /** An Okta object id: a 3-character type prefix (`00u`, `00g`, `0oa`) and 17 base62 characters. */
  oktaId(prefix: string): string {
    let s = prefix
    for (let i = 0; i < 17; i++) s += BASE62[this.int(62)]
    return s
  }
}

/** Requests counted per endpoint (the route's name, e.g. `GET /api/v1/users`) and per status code. */
export class RequestCounter {
  readonly #byEndpoint = new Map<string, number>()
  readonly #byStatus = new Map<number, number>()
  #total = 0

  count(endpoint: string): void {
    this.#total++
    this.#byEndpoint.set(endpoint, (this.#byEndpoint.get(endpoint) ?? 0) + 1)
  }

  status(code: number): void {
    this.#byStatus.set(code, (this.#byStatus.get(code) ?? 0) + 1)
  }

  get total(): number {
    return this.#total
  }

  get(endpoint: string): number {
    return this.#byEndpoint.get(endpoint) ?? 0
  }

  snapshot(): { total: number; byEndpoint: Record<string, number>; byStatus: Record<string, number> } {
    return {
      total: this.#total,
      byEndpoint: Object.fromEntries(this.#byEndpoint),
      byStatus: Object.fromEntries([...this.#byStatus].map(([k, v]) => [String(k), v])),
    }
  }

  reset(): void {
    this.#byEndpoint.clear()
    this.#byStatus.clear()
    this.#total = 0
  }
}

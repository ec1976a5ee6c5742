/**
 * The one clock of the program. `ACCORD_NOW` (an ISO timestamp) replaces the wall clock everywhere, so tests,
 * fixtures and replays see the same "now". It is read at every call, so a test can set it between steps.
 */
export function now(): Date {
  const fixed = process.env.ACCORD_NOW
  if (fixed) {
    const t = Date.parse(fixed)
    if (Number.isNaN(t)) throw new Error(`ACCORD_NOW is not an ISO timestamp: ${JSON.stringify(fixed)}`)
    return new Date(t)
  }
  return new Date()
}

export function nowMs(): number {
  return now().getTime()
}

/** DESIGN section 10. */
export const EXIT = {
  ok: 0,
  /** Something failed: a connector, a run, a delivery. */
  failed: 1,
  /** Usage or configuration error. */
  usage: 2,
  /** A `--fail-on` threshold was met. */
  threshold: 3,
} as const

import { z } from 'zod'

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const

/** Parses `90s`, `5m`, `24h`, `7d`, `1h30m`; null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const re = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/gy
  let total = 0
  let matched = false
  const trimmed = text.trim()
  re.lastIndex = 0
  while (re.lastIndex < trimmed.length) {
    const m = re.exec(trimmed)
    if (!m) return null
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]
    matched = true
  }
  return matched ? total : null
}

/** A duration in config: `"24h"`, `"5m"`; becomes milliseconds. */
export const Duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text)
  if (ms === null) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration like "30s", "5m", "24h" or "7d", got ${JSON.stringify(text)}`,
    })
    return z.NEVER
  }
  return ms
})

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`
  return `${Math.floor(ms / 3_600_000)}h${Math.round((ms % 3_600_000) / 60_000)}m`
}

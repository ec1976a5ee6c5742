import type { Command } from 'commander'

export interface GlobalOptions {
  config?: string
  json: boolean
  logLevel?: string
}

/** Options every command accepts, declared once on the program. */
export function globalOptions(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals() as { config?: string; json?: boolean; logLevel?: string }
  return { config: o.config, json: Boolean(o.json), logLevel: o.logLevel }
}

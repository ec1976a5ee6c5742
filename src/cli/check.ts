import type { Command } from 'commander'
import { configPath, loadConfig, loadPolicyFor } from '../config/load.ts'
import { action } from './action.ts'
import { EXIT } from './exit-codes.ts'
import { globalOptions } from './global-options.ts'
import { printJson, println, printTable, warn } from './output.ts'

export function register(program: Command): void {
  program
    .command('check')
    .description('validate the config and policy (--offline); connectivity checks arrive with the connectors')
    .option('--offline', 'validate the files only; contact nothing')
    .action(
      action(async (opts: { offline?: boolean }, cmd: Command) => {
        const g = globalOptions(cmd)
        // Offline validation runs in pipelines that hold no secrets: unresolved ones are warnings there.
        const mode = opts.offline ? 'lenient' : 'strict'
        const config = loadConfig(configPath(g.config), { secrets: mode })
        const policy = loadPolicyFor(config, { secrets: mode })
        const warnings = [
          ...config.warnings,
          ...policy.warnings,
          ...config.inlineSecrets.map(
            (p) => `${p}: a secret is written inline; use "\${ENV_VAR}" or "file:/path"`,
          ),
        ]
        if (g.json) {
          printJson({
            config: config.file,
            policy: policy.file,
            valid: true,
            connectors: config.value.connectors.map((c) => ({ id: c.id, kind: c.kind })),
            warnings,
          })
        } else {
          println(`config ${config.file}: valid`)
          println(`policy ${policy.file}: valid`)
          if (config.value.connectors.length) {
            printTable(
              ['connector', 'kind', 'schedule'],
              config.value.connectors.map((c) => [c.id, c.kind, c.schedule]),
            )
          }
          for (const w of warnings) warn(w)
        }
        if (!opts.offline) {
          println('connectivity checks are not available yet: run with --offline')
          return EXIT.usage
        }
        return EXIT.ok
      }),
    )
}

import type { Command } from 'commander'
import { configPath, loadConfig, loadPolicyFor } from '../config/load.ts'
import { connectorFor } from '../connectors/registry.ts'
import type { CheckItem } from '../connectors/types.ts'
import { action } from './action.ts'
import { EXIT } from './exit-codes.ts'
import { globalOptions } from './global-options.ts'
import { printJson, println, printTable, warn } from './output.ts'
import { loggerFor } from './runtime.ts'

export function register(program: Command): void {
  program
    .command('check')
    .description(
      'validate the config and policy, then (unless --offline) check each connector: token, reach, permissions',
    )
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
        const connectors = opts.offline ? [] : await checkConnectors(config.value.connectors, loggerFor(g))
        if (g.json) {
          printJson({
            config: config.file,
            policy: policy.file,
            valid: true,
            connectors: config.value.connectors.map((c) => ({
              id: c.id,
              kind: c.kind,
              ...(opts.offline ? {} : { checks: connectors.find((x) => x.id === c.id)?.items ?? [] }),
            })),
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
          if (connectors.length) {
            printTable(
              ['connector', 'check', 'ok', 'detail', 'what to do'],
              connectors.flatMap((c) =>
                c.items.map((i) => [c.id, i.name, i.ok ? 'ok' : 'FAIL', i.detail, i.fix ?? '']),
              ),
            )
          }
        }
        if (connectors.some((c) => c.items.some((i) => !i.ok))) return EXIT.failed
        return EXIT.ok
      }),
    )
}

/** Runs each connector's own check (token, reach, permissions); a connector that throws is one failed item. */
async function checkConnectors(
  list: readonly { id: string; kind: string }[],
  logger: ReturnType<typeof loggerFor>,
): Promise<{ id: string; items: CheckItem[] }[]> {
  const out: { id: string; items: CheckItem[] }[] = []
  for (const c of list) {
    const connector = connectorFor(c.kind)
    if (!connector?.check) {
      out.push({
        id: c.id,
        items: [{ name: 'connectivity', ok: true, detail: `no online check for ${c.kind} yet` }],
      })
      continue
    }
    const signal = AbortSignal.timeout(120_000)
    try {
      out.push({
        id: c.id,
        items: await connector.check(c as never, { logger: logger.child({ connector: c.id }), signal }),
      })
    } catch (e) {
      out.push({
        id: c.id,
        items: [{ name: 'connectivity', ok: false, detail: e instanceof Error ? e.message : String(e) }],
      })
    }
  }
  return out
}

import { resolve } from 'node:path'
import type { Command } from 'commander'
import { UserError } from '../core/errors.ts'
import { parseFaultSpec } from '../sandbox/core/index.ts'
import { writeSandboxFiles } from '../sandbox/files.ts'
import { type Sandbox, startSandbox, VENDORS } from '../sandbox/sandbox.ts'
import type { ScenarioSize } from '../sandbox/scenario/index.ts'
import { generateScenario } from '../sandbox/scenario/index.ts'
import { action } from './action.ts'
import { globalOptions } from './global-options.ts'
import { printJson, println, printTable } from './output.ts'

interface SandboxCliOptions {
  scenario: string
  seed: string
  faults?: string
  portBase?: string
  out: string
}

const SIZES = ['small', 'medium', 'large']

function integer(raw: string, flag: string, min: number, max: number): number {
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UserError(`${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`)
  }
  return n
}

/**
 * `accord sandbox`: runs the four vendor simulators standalone (in this process, so a benchmark can measure accord
 * apart from them) for a generated scenario, writes a ready accord.yaml, policy.yaml, the secrets it references,
 * the CA and manifest.json to --out, prints the base URLs and serves until interrupted.
 */
export function register(program: Command): void {
  program
    .command('sandbox')
    .description('run the ServiceNow, Jira, Entra (Graph) and Okta simulators for a generated scenario')
    .option('--scenario <size>', 'scenario size: small, medium or large', 'small')
    .option('--seed <n>', 'scenario seed', '1')
    .option(
      '--faults <spec>',
      'fault rates, e.g. 5xx=0.05,429=0.02,latency=200ms@0.1,reset=0.01,truncate=0.01',
    )
    .option(
      '--port-base <n>',
      'Graph listens on N, Okta N+1, ServiceNow N+2, Jira N+3 (default: any free ports)',
    )
    .option('--out <dir>', 'where to write accord.yaml, secrets, the CA and manifest.json', './sandbox')
    .action(
      action(async (opts: SandboxCliOptions, cmd: Command) => {
        const { json } = globalOptions(cmd)
        if (!SIZES.includes(opts.scenario)) {
          throw new UserError(
            `--scenario must be one of ${SIZES.join(', ')}, got ${JSON.stringify(opts.scenario)}`,
          )
        }
        const seed = integer(opts.seed, '--seed', 0, 2 ** 31 - 1)
        const portBase =
          opts.portBase === undefined ? undefined : integer(opts.portBase, '--port-base', 1024, 65_532)
        let faults: ReturnType<typeof parseFaultSpec> | undefined
        try {
          faults = opts.faults === undefined ? undefined : parseFaultSpec(opts.faults)
        } catch (e) {
          throw new UserError((e as Error).message)
        }
        const scenario = generateScenario({ seed, size: opts.scenario as ScenarioSize })
        let sandbox: Sandbox
        try {
          sandbox = await startSandbox(scenario.tenant, { faults, faultSeed: seed, portBase })
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code
          if (code === 'EADDRINUSE')
            throw new UserError(`a port from --port-base ${portBase} is in use: ${(e as Error).message}`)
          throw e
        }
        const out = resolve(opts.out)
        const written = writeSandboxFiles(out, sandbox, scenario)

        const base = {
          scenario: opts.scenario,
          seed,
          now: scenario.now,
          urls: sandbox.urls,
          control: Object.fromEntries(
            VENDORS.map((v) => [v, `${controlOrigin(sandbox, v)}/_control/<operation>`]),
          ),
          out,
          files: written,
        }
        if (json) printJson(base)
        else {
          printTable(
            ['simulator', 'base URL'],
            [
              ['servicenow', sandbox.urls.servicenow],
              ['jira', sandbox.urls.jira],
              ['entra (login)', `${sandbox.urls.login}/${scenario.tenant.graph.tenantId}`],
              ['entra (graph)', sandbox.urls.graph],
              ['okta', sandbox.urls.okta],
            ],
          )
          println(
            `scenario ${opts.scenario}, seed ${seed}, scenario time ${scenario.now} (run accord with ACCORD_NOW=${scenario.now})`,
          )
          println(`wrote ${written.length} files to ${out}: ${written.join(', ')}`)
          println(`control: POST <base URL>/_control/<operation>; GET <base URL>/_control/counts`)
          println(`next: ACCORD_NOW=${scenario.now} accord sync --config ${resolve(out, 'accord.yaml')}`)
          println('serving; press Ctrl-C to stop')
        }
        await waitForSignal()
        await sandbox.close()
      }),
    )
}

function controlOrigin(s: Sandbox, v: (typeof VENDORS)[number]): string {
  return v === 'graph' ? s.simulators.graph.url : s.urls[v]
}

function waitForSignal(): Promise<void> {
  return new Promise((resolvePromise) => {
    const done = () => {
      process.off('SIGINT', done)
      process.off('SIGTERM', done)
      resolvePromise()
    }
    process.on('SIGINT', done)
    process.on('SIGTERM', done)
  })
}

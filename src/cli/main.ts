import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { commands } from './commands.ts'
import { EXIT } from './exit-codes.ts'

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string
}

export function buildProgram(): Command {
  const program = new Command('accord')
    .description(
      'Keeps the access people and machines hold in accord with the ITSM tickets that approved it.\n' +
        'Pulls tickets (ServiceNow, Jira) and grants (Entra ID, Okta), matches them, and raises the drift.',
    )
    .version(pkg.version, '-V, --version')
    .option('-c, --config <file>', 'config file (default: $ACCORD_CONFIG or ./accord.yaml)')
    .option('--json', 'machine-readable output')
    .option('--log-level <level>', 'trace, debug, info, warn (default), error')
    .showHelpAfterError('(accord --help lists the commands)')
    .exitOverride()
    .addHelpText(
      'after',
      '\nExit codes: 0 done; 1 something failed; 2 usage or config error; 3 a --fail-on threshold was met.\n' +
        'Environment: ACCORD_CONFIG (config file), ACCORD_NOW (fixed clock, ISO timestamp), ACCORD_LOG_LEVEL.',
    )
  for (const c of commands) c.register(program)
  return program
}

async function main(): Promise<void> {
  const program = buildProgram()
  try {
    await program.parseAsync(process.argv)
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage
      return
    }
    throw e
  }
}

await main()

import { createWriteStream, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { finished } from 'node:stream/promises'
import { type Command, Option } from 'commander'
import { UserError } from '../core/errors.ts'
import { CSV_HEADER, toCsvRow } from '../delivery/export/csv.ts'
import { readEventPage } from '../delivery/export/event-source.ts'
import { formatLine } from '../delivery/export/exporters.ts'
import { toOcsf } from '../delivery/export/ocsf.ts'
import { action } from './action.ts'
import { globalOptions } from './global-options.ts'
import { openRuntime } from './runtime.ts'

interface ExportCliOptions {
  format: 'ocsf' | 'cef' | 'csv'
  since?: string
  out?: string
}

/** Attaches `export` to the `findings` command (registered before this file in commands.ts). */
export function register(program: Command): void {
  const findings = program.commands.find((c) => c.name() === 'findings')
  if (!findings)
    throw new Error('findings export: register src/cli/findings.ts before src/cli/findings-export.ts')
  registerExport(findings)
}

/**
 * `accord findings export`: the finding history (one line per finding event) as OCSF JSON lines, CEF lines or
 * CSV, to a file or stdout. Independent of the exporters' cursors: it reads, it moves nothing.
 */
export function registerExport(findings: Command): void {
  findings
    .command('export')
    .description('write the finding history as OCSF JSON lines, CEF lines or CSV')
    .addOption(
      new Option('--format <format>', 'output format').choices(['ocsf', 'cef', 'csv']).default('ocsf'),
    )
    .option('--since <time>', 'only events at or after this ISO time')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(
      action(async (opts: ExportCliOptions, cmd: Command) => {
        const since = opts.since === undefined ? undefined : Date.parse(opts.since)
        if (since !== undefined && Number.isNaN(since))
          throw new UserError(`--since: expected an ISO time, got ${JSON.stringify(opts.since)}`)
        const rt = await openRuntime(globalOptions(cmd))
        try {
          const path = opts.out ? resolve(opts.out) : null
          if (path) mkdirSync(dirname(path), { recursive: true })
          const out = path ? createWriteStream(path, { flags: 'w', mode: 0o640 }) : process.stdout
          const write = (text: string) =>
            new Promise<void>((res, rej) => {
              out.write(text, (err) => (err ? rej(err) : res()))
            })
          if (opts.format === 'csv') await write(`${CSV_HEADER.join(',')}\n`)
          let afterId = 0
          let count = 0
          for (;;) {
            const page = await readEventPage(rt.store.db, {
              afterId,
              limit: 1_000,
              since: since === undefined ? undefined : new Date(since),
            })
            if (page.length === 0) break
            afterId = page[page.length - 1]!.event.id
            count += page.length
            const lines = page.map((r) =>
              opts.format === 'csv' ? toCsvRow(r) : formatLine(opts.format as 'ocsf' | 'cef', toOcsf(r)),
            )
            await write(`${lines.join('\n')}\n`)
          }
          if (path) {
            ;(out as ReturnType<typeof createWriteStream>).end()
            await finished(out)
            process.stderr.write(`wrote ${count} events to ${path}\n`)
          }
        } finally {
          await rt.close()
        }
      }),
    )
}

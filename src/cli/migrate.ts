import type { Command } from 'commander'
import { configPath, loadConfig } from '../config/load.ts'
import { migrateToLatest, migrationStatus } from '../store/migrate.ts'
import { openStore } from '../store/open.ts'
import { action } from './action.ts'
import { EXIT } from './exit-codes.ts'
import { globalOptions } from './global-options.ts'
import { printJson, println } from './output.ts'
import { storeOptionsFor } from './runtime.ts'

export function register(program: Command): void {
  program
    .command('migrate')
    .description('create or upgrade the store schema, and report the migrations')
    .action(
      action(async (_opts: unknown, cmd: Command) => {
        const g = globalOptions(cmd)
        // Only the store matters here: connector secrets need not be set to migrate.
        const config = loadConfig(configPath(g.config), { secrets: 'lenient' })
        const store = await openStore(storeOptionsFor(config))
        try {
          const report = await migrateToLatest(store)
          const status = await migrationStatus(store)
          if (g.json) {
            printJson({
              store: store.location,
              applied: report.applied,
              error: report.error?.message ?? null,
              migrations: status,
            })
          } else {
            println(`store: ${store.kind} ${store.location}`)
            if (report.applied.length) for (const m of report.applied) println(`applied ${m}`)
            else if (!report.error) println('up to date: no migration to apply')
            for (const m of status)
              println(
                `  ${m.executedAt ? '✓' : ' '} ${m.name}${m.executedAt ? ` (${m.executedAt.toISOString()})` : ''}`,
              )
          }
          if (report.error) {
            process.stderr.write(`accord: migration failed: ${report.error.message}\n`)
            return EXIT.failed
          }
        } finally {
          await store.close()
        }
      }),
    )
}

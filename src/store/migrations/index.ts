import type { Migration, MigrationProvider } from 'kysely/migration'
import * as initial from './0001_initial.ts'
import * as reconciler from './0002_reconciler.ts'
import * as delivery from './0003_delivery.ts'

/** Every migration, in order. Static (not a directory scan) so it works from sources and from dist alike. */
const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_reconciler': reconciler,
  '0003_delivery': delivery,
}

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
}

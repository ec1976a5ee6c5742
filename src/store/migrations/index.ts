import type { Migration, MigrationProvider } from 'kysely/migration'
import * as initial from './0001_initial.ts'

/** Every migration, in order. Static (not a directory scan) so it works from sources and from dist alike. */
const migrations: Record<string, Migration> = {
  '0001_initial': initial,
}

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
}

import { dirname, resolve } from 'node:path'
import { configPath, type Loaded, loadConfig, loadPolicyFor } from '../config/load.ts'
import type { Policy } from '../config/policy.ts'
import type { Config } from '../config/schema.ts'
import { createLogger, type Logger } from '../core/logger.ts'
import { migrateToLatest } from '../store/migrate.ts'
import { openStore, type Store } from '../store/open.ts'
import type { GlobalOptions } from './global-options.ts'
import { isInteractive } from './output.ts'

export interface Runtime {
  config: Loaded<Config>
  policy: Loaded<Policy>
  store: Store
  logger: Logger
  close(): Promise<void>
}

export function loggerFor(g: GlobalOptions): Logger {
  return createLogger({
    level: g.logLevel ?? process.env.ACCORD_LOG_LEVEL ?? 'warn',
    pretty: isInteractive() && !g.json,
  })
}

/** The embedded store lives beside the config unless `store.path` says otherwise. */
export function storeOptionsFor(config: Loaded<Config>) {
  const s = config.value.store
  return {
    url: s.url,
    schema: s.schema,
    path: s.path ? resolve(dirname(config.file), s.path) : resolve(dirname(config.file), '.accord'),
  }
}

/** Config, policy, an open and migrated store, and a logger: what most commands start from. */
export async function openRuntime(g: GlobalOptions): Promise<Runtime> {
  const config = loadConfig(configPath(g.config))
  const policy = loadPolicyFor(config)
  const logger = loggerFor(g)
  const store = await openStore(storeOptionsFor(config))
  try {
    const report = await migrateToLatest(store)
    if (report.error) throw report.error
  } catch (e) {
    await store.close()
    throw e
  }
  return { config, policy, store, logger, close: () => store.close() }
}

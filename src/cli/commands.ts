import type { Command } from 'commander'
import * as baseline from './baseline.ts'
import * as check from './check.ts'
import * as daemon from './daemon.ts'
import * as deliver from './deliver.ts'
import * as demo from './demo.ts'
import * as evidence from './evidence.ts'
import * as findings from './findings.ts'
import * as findingsExport from './findings-export.ts'
import * as init from './init.ts'
import * as migrate from './migrate.ts'
import * as reconcile from './reconcile.ts'
import * as run from './run.ts'
import * as sandbox from './sandbox.ts'
import * as sync from './sync.ts'

/** Every command, one file each. A command is registered only once it works. */
export const commands: { register(program: Command): void }[] = [
  init,
  check,
  migrate,
  sync,
  sandbox,
  reconcile,
  findings,
  findingsExport,
  evidence,
  baseline,
  deliver,
  run,
  daemon,
  demo,
]

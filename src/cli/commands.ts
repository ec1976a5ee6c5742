import type { Command } from 'commander'
import * as check from './check.ts'
import * as deliver from './deliver.ts'
import * as init from './init.ts'
import * as migrate from './migrate.ts'
import * as sandbox from './sandbox.ts'

/** Every command, one file each. A command is registered only once it works. */
export const commands: { register(program: Command): void }[] = [init, check, migrate, deliver, sandbox]

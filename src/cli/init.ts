import { copyFileSync, existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { UserError } from '../core/errors.ts'
import { action } from './action.ts'
import { println } from './output.ts'

const EXAMPLES = new URL('../../config/', import.meta.url)

export function register(program: Command): void {
  program
    .command('init')
    .description('write a commented starter accord.yaml and policy.yaml')
    .option('--dir <dir>', 'where to write them', '.')
    .option('--force', 'overwrite existing files')
    .action(
      action(async (opts: { dir: string; force?: boolean }) => {
        const dir = resolve(opts.dir)
        const files: [string, string][] = [
          ['accord.example.yaml', 'accord.yaml'],
          ['policy.example.yaml', 'policy.yaml'],
        ]
        for (const [, to] of files) {
          if (existsSync(resolve(dir, to)) && !opts.force) {
            throw new UserError(`${resolve(dir, to)} exists; pass --force to overwrite it`)
          }
        }
        for (const [from, to] of files) copyFileSync(new URL(from, EXAMPLES), resolve(dir, to))
        println(`wrote ${resolve(dir, 'accord.yaml')} and ${resolve(dir, 'policy.yaml')}`)
        println(
          'next: edit them, put secrets in environment variables or files, then run: accord check --offline',
        )
      }),
    )
}

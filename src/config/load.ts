import { existsSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parseDocument } from 'yaml'
import type { z } from 'zod'
import { ConfigError } from '../core/errors.ts'
import { formatIssues } from './format-issues.ts'
import { Policy } from './policy.ts'
import { Config } from './schema.ts'
import { substituteSecrets } from './secrets.ts'

export interface LoadOptions {
  /**
   * `strict` (default): an unset variable or unreadable secret file is an error. `lenient` reports them as
   * warnings and leaves the reference in place: `check --offline` validates files in pipelines that hold no
   * secrets.
   */
  secrets?: 'strict' | 'lenient'
}

export interface Loaded<T> {
  value: T
  file: string
  warnings: string[]
  /** Secret-named fields written inline in the file. */
  inlineSecrets: string[]
}

function readYaml(file: string): unknown {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new ConfigError(file, [code === 'ENOENT' ? 'file does not exist' : `cannot be read (${code})`])
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => {
      const [line, col] = e.linePos?.[0] ? [e.linePos[0].line, e.linePos[0].col] : [0, 0]
      const first = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
      return `line ${line}, column ${col}: ${first}`
    })
    if (/\$\{/.test(text) && doc.errors.some((e) => /flow|scalar/i.test(e.message))) {
      issues.push(
        'hint: quote values that use ${VAR} ("${VAR}"): inside { } a bare ${ starts a YAML flow map',
      )
    }
    throw new ConfigError(file, issues)
  }
  return doc.toJS({ maxAliasCount: 100 }) ?? {}
}

function loadYaml<S extends z.ZodType>(schema: S, file: string, opts: LoadOptions): Loaded<z.infer<S>> {
  const tree = readYaml(file)
  const secretProblems = substituteSecrets(tree, dirname(file), opts.secrets !== 'lenient')
  const parsed = schema.safeParse(tree, { reportInput: true })
  const issues = parsed.success ? [] : formatIssues(parsed.error)
  if (opts.secrets === 'lenient') {
    if (issues.length) throw new ConfigError(file, issues)
  } else if (issues.length || secretProblems.unresolved.length) {
    throw new ConfigError(file, [...secretProblems.unresolved, ...issues])
  }
  return {
    value: parsed.data as z.infer<S>,
    file,
    warnings: opts.secrets === 'lenient' ? secretProblems.unresolved : [],
    inlineSecrets: secretProblems.inline,
  }
}

/** Where the config is: `--config`, else `ACCORD_CONFIG`, else ./accord.yaml. */
export function configPath(explicit?: string): string {
  return resolve(explicit ?? process.env.ACCORD_CONFIG ?? 'accord.yaml')
}

export function loadConfig(file: string, opts: LoadOptions = {}): Loaded<Config> {
  const loaded = loadYaml(Config, file, opts)
  // Paths in the config are relative to the config file, wherever accord runs from.
  const base = dirname(file)
  for (const c of loaded.value.connectors) {
    if (c.tls.caFile) c.tls.caFile = resolve(base, c.tls.caFile)
  }
  for (const e of loaded.value.exports) {
    if ('caFile' in e && e.caFile) e.caFile = resolve(base, e.caFile)
  }
  return loaded
}

export function loadPolicy(file: string, opts: LoadOptions = {}): Loaded<Policy> {
  return loadYaml(Policy, file, opts)
}

/** The policy named by the config (relative to it), else policy.yaml beside it, else the defaults. */
export function loadPolicyFor(config: Loaded<Config>, opts: LoadOptions = {}): Loaded<Policy> {
  const base = dirname(config.file)
  if (config.value.policy) return loadPolicy(resolve(base, config.value.policy), opts)
  const beside = resolve(base, 'policy.yaml')
  if (existsSync(beside)) return loadPolicy(beside, opts)
  return { value: Policy.parse({}), file: '(defaults)', warnings: [], inlineSecrets: [] }
}

export { Policy } from './policy.ts'
export { Config } from './schema.ts'

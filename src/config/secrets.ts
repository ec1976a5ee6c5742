import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { registerSecret, SECRET_KEY_PATTERN } from '../core/redact.ts'
import { formatPath } from './format-issues.ts'

export interface SecretProblems {
  /** `path: what is wrong` for references that could not be resolved. */
  unresolved: string[]
  /** Paths of secret-named fields written inline instead of as a reference. */
  inline: string[]
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g

/** Field names that hold secrets even when the general pattern misses them. */
const SECRET_FIELDS = /^(password|token|clientSecret|privateKey|secret)$/

/**
 * Substitutes `${ENV}` (anywhere in a string) and `file:/path` (a whole string) in the string values of a
 * parsed YAML tree, in place. Keys are never touched, nor are non-string values. Every substituted value is
 * registered as a secret so it is redacted from logs and errors.
 */
export function substituteSecrets(tree: unknown, baseDir: string, strict: boolean): SecretProblems {
  const problems: SecretProblems = { unresolved: [], inline: [] }
  const visit = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') return substitute(node, path)
    if (Array.isArray(node)) {
      node.forEach((v, i) => {
        node[i] = visit(v, [...path, i])
      })
      return node
    }
    if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>
      for (const key of Object.keys(obj)) obj[key] = visit(obj[key], [...path, key])
      return obj
    }
    return node
  }
  const substitute = (value: string, path: (string | number)[]): string => {
    const key = String(path[path.length - 1] ?? '')
    const isSecretField = SECRET_FIELDS.test(key) || SECRET_KEY_PATTERN.test(key)
    if (value.startsWith('file:')) {
      const file = value.slice('file:'.length)
      const full = isAbsolute(file) ? file : resolve(baseDir, file)
      try {
        const content = readFileSync(full, 'utf8').replace(/\r?\n$/, '')
        registerSecret(content)
        return content
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read'
        problems.unresolved.push(`${formatPath(path)}: secret file ${full} ${why}`)
        return value
      }
    }
    let hadRef = false
    const out = value.replace(ENV_REF, (whole, name: string) => {
      hadRef = true
      const v = process.env[name]
      if (v === undefined || v === '') {
        problems.unresolved.push(`${formatPath(path)}: environment variable ${name} is not set`)
        return whole
      }
      if (isSecretField || value === whole) registerSecret(v)
      return v
    })
    if (!hadRef && isSecretField && value.length > 0) problems.inline.push(formatPath(path))
    return out
  }
  visit(tree, [])
  if (strict) return problems
  return problems
}

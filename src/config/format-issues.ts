import type { z } from 'zod'
import { redact } from '../core/redact.ts'

/** `connectors[1].auth.token` from zod's path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else if (typeof seg === 'string' && /^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg
    else out += `[${JSON.stringify(String(seg))}]`
  }
  return out || '(top level)'
}

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? 'required'
        : `expected ${issue.expected}, got ${typeName(issue.input)}`
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
    case 'invalid_union': {
      // zod names the allowed discriminator values only in its message: "… Expected 'a' | 'b'".
      const m = /Expected (.+)$/.exec(issue.message)
      if ('discriminator' in issue && issue.discriminator && m) {
        const values = m[1]!.split(' | ').map((v) => JSON.stringify(v.replace(/^'|'$/g, '')))
        const input = issue.input as Record<string, unknown> | undefined
        const got = input && typeof input === 'object' ? input[String(issue.discriminator)] : undefined
        return `expected one of ${values.join(', ')}${got !== undefined ? `, got ${JSON.stringify(got)}` : ''}`
      }
      return issue.message
    }
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(issue.input)}`
    default:
      return issue.message
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a map'
  return `${typeof v} ${JSON.stringify(v)}`
}

/** One `path: expectation` line per problem, secrets redacted. */
export function formatIssues(error: z.ZodError): string[] {
  const lines: string[] = []
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(`${formatPath([...issue.path, key])}: unknown key`)
      continue
    }
    lines.push(redact(`${formatPath(issue.path)}: ${describe(issue)}`))
  }
  return [...new Set(lines)]
}

/**
 * Secrets must never reach logs, errors, exports or the store. Every secret the config resolves is
 * registered here, and `redact` replaces any occurrence of one in text bound for the outside.
 */
const secrets = new Set<string>()

/** Secrets shorter than this would redact ordinary words; they are still kept out of logs by key name. */
const MIN_SECRET_LENGTH = 4

export function registerSecret(value: string): void {
  if (value.length >= MIN_SECRET_LENGTH) secrets.add(value)
}

export function redact(text: string): string {
  let out = text
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join('[REDACTED]')
  }
  return out
}

/** Header and field names whose values are always secret, whatever they hold. */
export const SECRET_KEY_PATTERN =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|password|passwd|secret|client_secret|clientsecret|token|access_token|refresh_token|id_token|api_?token|client_assertion|private_?key|apikey)$/i

/** A deep copy of `value` with secret-named keys and registered secret values replaced. */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[…]'
  if (typeof value === 'string') return redact(value)
  if (value instanceof Error) {
    // Error fields are not enumerable: spell out what a reader needs, and nothing an axios error carries
    // beyond it (its config holds the request headers).
    const e = value as Error & { code?: unknown; status?: unknown; cause?: unknown }
    return {
      type: e.name,
      message: redact(e.message),
      ...(e.code !== undefined ? { code: e.code } : {}),
      ...(e.status !== undefined ? { status: e.status } : {}),
      ...(e.stack ? { stack: redact(e.stack) } : {}),
      ...(e.cause !== undefined ? { cause: redactDeep(e.cause, depth + 1) } : {}),
    }
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY_PATTERN.test(k) ? '[REDACTED]' : redactDeep(v, depth + 1)
    }
    return out
  }
  return value
}

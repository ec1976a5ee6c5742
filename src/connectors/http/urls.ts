import { isIP } from 'node:net'

/** Plain http is allowed only to this machine (the sandbox, a local proxy): credentials must not cross a network in clear. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (isIP(h) === 4) return h.startsWith('127.')
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1'
  return false
}

export class UrlPolicyError extends Error {
  override name = 'UrlPolicyError'
}

/** Parses a base URL and refuses what the client would refuse at request time, so config errors show early. */
export function checkBaseUrl(raw: string, what = 'baseUrl'): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new UrlPolicyError(`${what} is not a URL: ${JSON.stringify(raw)}`)
  }
  assertTransportAllowed(url, what)
  return url
}

export function assertTransportAllowed(url: URL, what = 'URL'): void {
  if (url.protocol === 'https:') return
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return
  if (url.protocol === 'http:') {
    throw new UrlPolicyError(
      `${what} ${url.origin} uses plain http to a non-loopback host; use https (http is allowed only to 127.0.0.1/localhost)`,
    )
  }
  throw new UrlPolicyError(`${what} ${url.origin} has unsupported protocol ${url.protocol}`)
}

/**
 * Resolves a server-given next link against the URL it came from and refuses it unless it stays on one of
 * the configured origins: a compromised or misconfigured vendor must not be able to send our token elsewhere.
 */
export function resolveNextLink(link: string, from: string, allowedOrigins: readonly string[]): string {
  let url: URL
  try {
    url = new URL(link, from)
  } catch {
    throw new UrlPolicyError(`next link is not a URL: ${JSON.stringify(link.slice(0, 200))}`)
  }
  if (!allowedOrigins.includes(url.origin)) {
    throw new UrlPolicyError(
      `refusing to follow a next link to ${url.origin}: only ${allowedOrigins.join(', ')} is configured`,
    )
  }
  assertTransportAllowed(url, 'next link')
  return url.toString()
}

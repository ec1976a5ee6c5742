/**
 * How the client authenticates. The provider owns the token (in memory only) and renews it; the client calls
 * `refresh()` once when a request comes back 401 and then retries that request.
 */
export interface AuthProvider {
  /** The value of the `Authorization` header, e.g. `Bearer eyJ…` or `SSWS 00a…`. */
  getAuthHeader(signal?: AbortSignal): Promise<string>
  /** Drops any cached token so the next `getAuthHeader()` fetches a new one. */
  refresh(signal?: AbortSignal): Promise<void>
}

/** A fixed header (API tokens, basic auth): nothing to refresh, so a 401 fails after one retry. */
export function staticAuth(header: string): AuthProvider {
  return {
    getAuthHeader: async () => header,
    refresh: async () => {},
  }
}

export function basicAuth(username: string, password: string): AuthProvider {
  return staticAuth(`Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`)
}

export function bearerAuth(token: string): AuthProvider {
  return staticAuth(`Bearer ${token}`)
}

import nock from 'nock'
import { EntraConfig } from '../../../../src/connectors/entra/config.ts'
import { emptyStats } from '../../../../src/connectors/http/stats.ts'
import type { StreamWriter, SyncBatch, SyncContext, SyncMode } from '../../../../src/connectors/types.ts'
import { silentLogger } from '../../../../src/core/logger.ts'
import type { Db } from '../../../../src/store/database.ts'

export const LOGIN = 'https://login.test'
export const GRAPH = 'https://graph.test'
export const TENANT = '11111111-2222-4333-8444-555555555555'
export const SECRET = 'entra-client-secret-value-0001'
export const TOKEN = 'eyJ0eXAi.graph-access-token.sig'

export function entraConfig(extra: Record<string, unknown> = {}): EntraConfig {
  return EntraConfig.parse({
    id: 'entra',
    kind: 'entra',
    tenantId: TENANT,
    clientId: 'c1',
    clientSecret: SECRET,
    authorityHost: LOGIN,
    graphBaseUrl: `${GRAPH}/v1.0`,
    ...extra,
  })
}

/** msal's two requests: the tenant's OpenID configuration and the token endpoint. Optional: cached across calls. */
export function mockToken(): void {
  nock(LOGIN)
    .get(`/${TENANT}/v2.0/.well-known/openid-configuration`)
    .optionally()
    .times(20)
    .reply(200, {
      token_endpoint: `${LOGIN}/${TENANT}/oauth2/v2.0/token`,
      issuer: `${LOGIN}/${TENANT}/v2.0`,
      authorization_endpoint: `${LOGIN}/${TENANT}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${LOGIN}/${TENANT}/oauth2/v2.0/logout`,
      jwks_uri: `${LOGIN}/${TENANT}/discovery/v2.0/keys`,
    })
    .post(/\/oauth2\/v2.0\/token/)
    .optionally()
    .times(20)
    .reply(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: TOKEN })
}

/** A StreamWriter that records batches instead of storing them. */
export class RecordingWriter implements StreamWriter {
  readonly stream: string
  mode: SyncMode
  resumeFrom: unknown
  readonly stats = emptyStats()
  readonly batches: SyncBatch[] = []
  restarts: string[] = []
  completed: { checkpoint: unknown } | undefined
  constructor(stream: string, mode: SyncMode, resumeFrom: unknown = null) {
    this.stream = stream
    this.mode = mode
    this.resumeFrom = resumeFrom
  }
  async write(batch: SyncBatch) {
    this.batches.push(structuredClone(batch))
  }
  async restartFull(reason: string) {
    this.restarts.push(reason)
    this.mode = 'full'
    this.resumeFrom = null
  }
  async complete(checkpoint?: unknown) {
    this.completed = { checkpoint }
  }
  all<K extends keyof SyncBatch>(key: K): NonNullable<SyncBatch[K]> extends (infer T)[] ? T[] : never {
    return this.batches.flatMap((b) => (b[key] as unknown[] | undefined) ?? []) as never
  }
}

export function recordingContext(
  config: EntraConfig,
  writers: Record<string, { mode: SyncMode; resumeFrom?: unknown }> = {},
  signal: AbortSignal = new AbortController().signal,
) {
  const opened = new Map<string, RecordingWriter>()
  const ctx: SyncContext<EntraConfig> = {
    config,
    logger: silentLogger(),
    signal,
    db: emptyDb(),
    now: new Date('2026-11-29T12:00:00Z'),
    openStream: async (name) => {
      const w = new RecordingWriter(name, writers[name]?.mode ?? 'full', writers[name]?.resumeFrom ?? null)
      opened.set(name, w)
      return w
    },
  }
  return { ctx, opened }
}

/** A store that holds nothing: every query builder chain executes to no rows. */
function emptyDb(): Db {
  const chain: unknown = new Proxy(() => {}, {
    get: (_t, prop) => (prop === 'execute' ? async () => [] : prop === 'then' ? undefined : chain),
    apply: () => chain,
  })
  return chain as Db
}

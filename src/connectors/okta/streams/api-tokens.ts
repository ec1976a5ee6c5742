/**
 * API tokens -> `service` identities owned by the user who made them, each with its `api_token` credential
 * (metadata only: Okta never returns a token's value after creation).
 *
 * Tokens are few, so every run lists them all. A full run removes unseen tokens when it completes; an
 * incremental run compares its complete listing with the store and removes the tokens that are gone
 * explicitly. Like the roles stream it restarts rather than resumes.
 */
import { parseRecords } from '../../http/validate.ts'
import { OktaApiToken } from '../schema.ts'
import { apiTokenCredential, apiTokenIdentity } from '../transform.ts'
import { bufferedWriter, type OktaRun } from './common.ts'

export async function syncApiTokens({ ctx, client, bufferRows }: OktaRun): Promise<void> {
  const w = await ctx.openStream('api_tokens')
  const { write, complete } = bufferedWriter(w, bufferRows)
  const seen = new Set<string>()
  const pages = client.pages('/api/v1/api-tokens', {
    params: { limit: client.pageSize('apiTokens') },
    stats: w.stats,
    signal: ctx.signal,
  })
  for await (const page of pages) {
    const { records, invalid } = parseRecords(page.items, OktaApiToken)
    for (const t of records) seen.add(t.id)
    await write({
      identities: records.map(apiTokenIdentity),
      credentials: records.map(apiTokenCredential),
      invalid,
    })
  }
  if (w.mode === 'incremental') {
    const stored = await ctx.db
      .selectFrom('identities')
      .select('external_id')
      .where('source', '=', ctx.config.id)
      .where('stream', '=', 'api_tokens')
      .where('removed_at', 'is', null)
      .execute()
    const gone = stored.map((r) => r.external_id).filter((id) => !seen.has(id))
    if (gone.length) {
      await write({
        removed: { identities: gone, credentials: gone.map((id) => ({ identityId: id, keyId: id })) },
      })
    }
  }
  await complete(null)
}

import type { SyncBatch } from './types.ts'

/** Records a batch upserts (what a commit's size is counted in). */
export function batchRows(b: SyncBatch): number {
  return (
    (b.identities?.length ?? 0) +
    (b.entitlements?.length ?? 0) +
    (b.grants?.length ?? 0) +
    (b.credentials?.length ?? 0) +
    (b.tickets?.length ?? 0)
  )
}

/**
 * Two batches as one, to commit pages together. Only batches without explicit removals may merge (callers check):
 * the writer applies a batch's upserts before its removals, so merging "add" after "remove" of the same grant
 * would turn the order around. Every record kind is kept, so a stream that starts writing another kind loses
 * nothing. Scopes keep their meaning (they remove only older generations), and the later checkpoint covers both.
 */
export function mergeBatches(a: SyncBatch, b: SyncBatch): SyncBatch {
  const cat = <T>(x: T[] | undefined, y: T[] | undefined) =>
    x || y ? [...(x ?? []), ...(y ?? [])] : undefined
  return {
    identities: cat(a.identities, b.identities),
    entitlements: cat(a.entitlements, b.entitlements),
    grants: cat(a.grants, b.grants),
    credentials: cat(a.credentials, b.credentials),
    tickets: cat(a.tickets, b.tickets),
    invalid: cat(a.invalid, b.invalid),
    completeGrantScopes: cat(a.completeGrantScopes, b.completeGrantScopes),
    checkpoint: b.checkpoint !== undefined ? b.checkpoint : a.checkpoint,
  }
}

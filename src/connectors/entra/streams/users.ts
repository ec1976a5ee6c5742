import { identitiesById } from '../../../store/repositories/identities.ts'
import { parseRecords } from '../../http/validate.ts'
import type { SyncBatch } from '../../types.ts'
import { RawRemoved, RawUser, USER_SELECT } from '../schema.ts'
import { type Identity, userToIdentity } from '../transform.ts'
import type { EntraRun } from './common.ts'
import { runDeltaStream } from './delta.ts'

/** Users through `/users/delta`: identities; `@removed` removes the identity. */
export function syncUsers(run: EntraRun): Promise<void> {
  const source = run.ctx.config.id
  return runDeltaStream(run, {
    name: 'users',
    path: '/users/delta',
    params: { $select: USER_SELECT.join(',') },
    async toBatch(items, w) {
      const removed: string[] = []
      const present: unknown[] = []
      for (const item of items) {
        const r = RawRemoved.safeParse(item)
        if (r.success) removed.push(r.data.id)
        else present.push(item)
      }
      const { records, invalid } = parseRecords(present, RawUser)
      // A delta round may send only what changed: complete such users from what the store holds.
      const partial = records.filter((u) => u.userPrincipalName === undefined).map((u) => u.id)
      const previous =
        w.mode === 'incremental' ? await identitiesById(run.ctx.db, source, partial) : new Map()
      const identities: Identity[] = []
      for (const u of records) {
        const id = userToIdentity(u, previous.get(u.id))
        if (typeof id === 'string') invalid.push({ id: u.id, reason: id })
        else identities.push(id)
      }
      const batch: SyncBatch = { identities, invalid }
      if (removed.length) batch.removed = { identities: removed }
      return batch
    },
  })
}

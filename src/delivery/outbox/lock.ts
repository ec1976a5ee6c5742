import type { Db } from '../../store/database.ts'
import { withSessionLock } from '../../store/session-lock.ts'

/** One delivery at a time on a shared Postgres store: two would work one outbox at once. */
export function withDeliveryLock<T>(db: Db, body: () => Promise<T>): Promise<T> {
  return withSessionLock(
    db,
    'delivery',
    'another accord process is delivering from this store; try again later',
    body,
  )
}

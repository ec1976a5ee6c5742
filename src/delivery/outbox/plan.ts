import type { FindingStatus } from '../../model/finding.ts'
import type { OutboxAction } from '../../store/repositories/outbox.ts'

/** The call a row turns into, given the finding as it is now. `skip`: nothing to do (and nothing lost). */
export type Plan = 'create' | 'update' | 'resolve' | 'reopen' | 'skip'

/**
 * The effective sink call. A row says what happened to the finding; whether a ticket exists decides what that
 * means: an update or a recurrence of a finding never raised (it was below the floor, or deferred) creates
 * one; a resolve with no ticket has nothing to resolve; a create for a finding resolved meanwhile waits for
 * its recurrence rather than opening a ticket only to close it.
 */
export function planFor(action: OutboxAction, raised: boolean, status: FindingStatus): Plan {
  switch (action) {
    case 'create':
      return raised ? 'skip' : status === 'open' ? 'create' : 'skip'
    case 'update':
      return raised ? 'update' : status === 'open' ? 'create' : 'skip'
    case 'reopen':
      return raised ? 'reopen' : status === 'open' ? 'create' : 'skip'
    case 'resolve':
      return raised ? 'resolve' : 'skip'
  }
}

/** The note for an update, in words: what the reconciler said changed. */
export function changeText(detail: Record<string, unknown>): string {
  const change = detail.change
  if (change && typeof change === 'object' && Object.keys(change).length > 0) {
    const parts = Object.entries(change as Record<string, unknown>).map(([k, v]) =>
      typeof v === 'object' && v !== null && 'from' in v && 'to' in v
        ? `${k}: ${String((v as { from: unknown }).from)} -> ${String((v as { to: unknown }).to)}`
        : `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`,
    )
    return `accord: the finding changed (${parts.join('; ')})`
  }
  return `accord: the finding changed (severity ${String(detail.severity ?? 'unknown')})`
}

import type { ConnectorConfig } from '../../src/config/schema.ts'
import { type ReliabilitySandbox, VENDOR_OF } from './harness.ts'

/** The fault kinds of the matrix (issue 11): the sandbox's injected ones plus a bad record and a dead login. */
export const FAULT_KINDS = ['5xx', '429', 'latency', 'reset', 'truncate', 'invalid', 'token-down'] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

export interface FaultCase {
  connector: string
  kind: FaultKind
  rate: number
}

export interface AppliedFault {
  /** The connector config the faulted run uses (changed only for `token-down`). */
  config: ConnectorConfig
  /** What the fault changed in the tenant, undone after the run. */
  undo(): void
  /** For `invalid`: the external id of the record made invalid (its stored row must be kept, not removed). */
  invalidId?: string
}

/** The `--faults` SPEC the sandbox injects for a kind at a rate (a 429 storm is the rate itself, in bursts). */
function spec(kind: FaultKind, rate: number): string {
  switch (kind) {
    case '5xx':
      return `5xx=${rate}`
    case '429':
      return `429=${rate}`
    case 'latency':
      return `latency=150ms@${rate}`
    case 'reset':
      return `reset=${rate}`
    case 'truncate':
      return `truncate=${rate}`
    default:
      return ''
  }
}

/** Picks the k-th record of a list deterministically (not the first: the first page is the easy one). */
function pick<T>(items: T[], salt: number): T {
  if (items.length === 0) throw new Error('nothing to corrupt')
  return items[((items.length * 0.6 + salt) % items.length) | 0]!
}

/**
 * Makes one record of the connector's vendor fail the connector's validation at the edge, as a vendor bug or a
 * hostile admin would: a number where the vendor sends a string, a string where it sends a boolean.
 */
function corruptOneRecord(
  rs: ReliabilitySandbox,
  connector: string,
  salt: number,
): AppliedFault['undo'] & {
  id: string
} {
  const t = rs.scenario.tenant
  switch (connector) {
    case 'entra': {
      const u = pick(t.graph.users, salt) as unknown as Record<string, unknown>
      const before = u.accountEnabled
      u.accountEnabled = 'yes'
      bumpVersion(rs, 'graph')
      return Object.assign(
        () => {
          u.accountEnabled = before
          bumpVersion(rs, 'graph')
        },
        { id: String(u.id) },
      )
    }
    case 'okta': {
      // Not the status: the full listing searches by every known status, so an unknown one is simply not listed.
      const u = pick(t.okta.users, salt) as unknown as { id: string; profile: Record<string, unknown> }
      const before = u.profile.login
      u.profile.login = 12345
      bumpVersion(rs, 'okta')
      return Object.assign(
        () => {
          u.profile.login = before
          bumpVersion(rs, 'okta')
        },
        { id: String(u.id) },
      )
    }
    case 'servicenow': {
      const items = rs.sandbox.simulators.servicenow.db.table('sc_req_item').rows
      const row = pick(items, salt) as unknown as Record<string, unknown>
      const before = row.short_description
      row.short_description = 42
      return Object.assign(
        () => {
          row.short_description = before
        },
        { id: String(row.sys_id) },
      )
    }
    case 'jira': {
      const issue = pick(
        t.jira.issues.filter((i) => i.key.startsWith('ACCESS-')),
        salt,
      ) as unknown as Record<string, unknown>
      const before = issue.id
      issue.id = Number(before)
      return Object.assign(
        () => {
          issue.id = before
        },
        { id: String(before) },
      )
    }
    default:
      throw new Error(`no corruption for connector ${connector}`)
  }
}

/** The identity simulators memoise listings while their state version stands: a direct edit must bump it. */
function bumpVersion(rs: ReliabilitySandbox, vendor: 'okta' | 'graph'): void {
  const state = rs.sandbox.simulators[vendor].state as unknown as { version?: number }
  if (typeof state.version === 'number') state.version++
}

/** A login that cannot succeed: Entra's token endpoint on a closed port, elsewhere a revoked secret. */
function loginDown(config: ConnectorConfig): ConnectorConfig {
  const c = structuredClone(config) as Record<string, unknown> & ConnectorConfig
  switch (c.kind) {
    case 'entra':
      return { ...c, authorityHost: 'https://127.0.0.1:9' } as ConnectorConfig
    case 'okta':
      return { ...c, auth: { type: 'ssws', token: 'revoked-okta-token' } } as ConnectorConfig
    case 'servicenow':
      return {
        ...c,
        auth: { ...(c.auth as object), password: 'revoked-servicenow-password' },
      } as ConnectorConfig
    case 'jira':
      return { ...c, auth: { ...(c.auth as object), token: 'revoked-jira-token' } } as ConnectorConfig
    default:
      throw new Error(`no login fault for ${(c as { kind: string }).kind}`)
  }
}

export function applyFault(rs: ReliabilitySandbox, fc: FaultCase, seed: number): AppliedFault {
  const vendor = VENDOR_OF[fc.connector]!
  const config = rs.connector(fc.connector)
  const control = rs.sandbox.control[vendor]
  if (fc.kind === 'invalid') {
    const undo = corruptOneRecord(rs, fc.connector, seed)
    return { config, undo, invalidId: undo.id }
  }
  if (fc.kind === 'token-down') return { config: loginDown(config), undo: () => {} }
  control.setFaults!({ spec: spec(fc.kind, fc.rate), seed })
  return { config, undo: () => void control.setFaults!({ spec: '', seed }) }
}

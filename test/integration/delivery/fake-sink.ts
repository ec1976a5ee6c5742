import type { RaisedRecord, TicketSink } from '../../../src/connectors/types.ts'
import type { Finding } from '../../../src/model/finding.ts'

interface Ticket {
  key: string
  externalId: string
  fingerprint: string
  createdAt: number
  closed: boolean
  notes: string[]
}

/**
 * An ITSM in memory, with the behaviours delivery must survive: search that lags writes (Jira), failures
 * injected per call, and a create that reaches the vendor but whose answer is lost.
 */
export class FakeItsm {
  tickets: Ticket[] = []
  calls: string[] = []
  /** Search does not see tickets younger than this unless asked to wait. */
  searchLagMs = 0
  private seq = 0
  /** Next calls of a method throw these errors, in order. */
  failures: Partial<Record<'find' | 'create' | 'update' | 'resolve' | 'reopen', Error[]>> = {}
  /** After a create reaches the vendor, run this (a crash, a lost response). */
  afterCreate: ((t: Ticket) => void) | null = null

  ticketsFor(fingerprint: string): Ticket[] {
    return this.tickets.filter((t) => t.fingerprint === fingerprint)
  }

  private maybeFail(method: keyof FakeItsm['failures']) {
    const e = this.failures[method]?.shift()
    if (e) throw e
  }

  sink(): TicketSink {
    const record = (t: Ticket): RaisedRecord => ({
      key: t.key,
      url: `https://itsm.example/${t.key}`,
      externalId: t.externalId,
      closed: t.closed,
    })
    const byKey = (key: string) => {
      const t = this.tickets.find((x) => x.key === key)
      if (!t) throw Object.assign(new Error(`no ticket ${key}`), { status: 404 })
      return t
    }
    return {
      find: async (f: Finding, opts) => {
        this.calls.push(`find ${f.id} ${opts.waitForConsistency}`)
        this.maybeFail('find')
        const visibleBefore = opts.waitForConsistency
          ? Number.POSITIVE_INFINITY
          : Date.now() - this.searchLagMs
        const t = this.tickets.filter((x) => x.fingerprint === f.id && x.createdAt <= visibleBefore).at(-1)
        return t ? record(t) : null
      },
      create: async (f: Finding) => {
        this.calls.push(`create ${f.id}`)
        this.maybeFail('create')
        const n = ++this.seq
        const t: Ticket = {
          key: `INC${String(n).padStart(7, '0')}`,
          externalId: `sys-${n}`,
          fingerprint: f.id,
          createdAt: Date.now(),
          closed: false,
          notes: [],
        }
        this.tickets.push(t)
        this.afterCreate?.(t)
        return record(t)
      },
      update: async (r, f, change) => {
        this.calls.push(`update ${f.id}`)
        this.maybeFail('update')
        byKey(r.key).notes.push(change)
      },
      resolve: async (r, f) => {
        this.calls.push(`resolve ${f.id}`)
        this.maybeFail('resolve')
        const t = byKey(r.key)
        t.closed = true
        t.notes.push('resolved: drift gone')
      },
      reopen: async (r, f) => {
        this.calls.push(`reopen ${f.id}`)
        this.maybeFail('reopen')
        const t = byKey(r.key)
        t.closed = false
        t.notes.push('reopened: drift back')
        return record(t)
      },
    }
  }
}

import type { ControlOperations } from '../core/index.ts'
import type { SnDatabase } from './database.ts'
import type { SnRow } from './query-eval.ts'
import { snDateTime } from './time.ts'

/** The user control-handle writes are stamped with (`sys_updated_by`). */
const ACTOR = 'sandbox.control'

interface TicketRef {
  /** `RITM0010001` or a sys_id. */
  ticket: string
  /** Table of the ticket; default sc_req_item. */
  table?: string
}

function requireString(args: object, name: string): string {
  const v = (args as Record<string, unknown>)[name]
  if (typeof v !== 'string' || v === '') throw new Error(`${name}: expected a non-empty string`)
  return v
}

/**
 * Control operations on ServiceNow tickets, named after what a service desk does: approve, reject, fulfil,
 * cancel, create a ticket, edit a variable or a field. Each goes through the database's writes, so every changed
 * record gets a new `sys_updated_on`.
 */
export function serviceNowControl(db: SnDatabase): ControlOperations {
  const ticket = (args: TicketRef): { table: string; row: SnRow } => {
    const table = args.table ?? 'sc_req_item'
    if (!db.hasTable(table)) throw new Error(`table: no ServiceNow table ${table}`)
    const key = requireString(args, 'ticket')
    const t = db.table(table)
    const row = t.byId.get(key) ?? t.rows.find((r) => r.number === key)
    if (!row) throw new Error(`ticket: no ${table} record with number or sys_id ${key}`)
    return { table, row }
  }
  const user = (key: string): SnRow => {
    const t = db.table('sys_user')
    const row = t.byId.get(key) ?? t.rows.find((u) => u.user_name === key || u.email === key)
    if (!row) throw new Error(`no sys_user with sys_id, user_name or email ${key}`)
    return row
  }
  const approvalsOf = (sysId: string) =>
    db.table('sysapproval_approver').rows.filter((a) => a.sysapproval === sysId)

  /** Sets the approvers' rows: the named approver's (created when missing), else every pending one. */
  const decide = (table: string, row: SnRow, state: string, approver: string | undefined): void => {
    const rows = approvalsOf(row.sys_id!)
    if (approver) {
      const u = user(approver)
      const mine = rows.find((a) => a.approver === u.sys_id)
      if (mine) db.update('sysapproval_approver', mine.sys_id!, { state }, ACTOR)
      else {
        db.insert(
          'sysapproval_approver',
          {
            approver: u.sys_id,
            state,
            sysapproval: row.sys_id,
            source_table: table,
            document_id: row.sys_id,
          },
          ACTOR,
        )
      }
      return
    }
    for (const a of rows) {
      if (a.state === 'requested') db.update('sysapproval_approver', a.sys_id!, { state }, ACTOR)
    }
  }

  const summary = (table: string, row: SnRow) => ({
    table,
    sys_id: row.sys_id,
    number: row.number,
    state: row.state,
    approval: row.approval,
    sys_updated_on: row.sys_updated_on,
  })

  return {
    /** `{ticket, approver?}`: the item's verdict becomes approved; the approver's row (or every pending row) too. */
    approve: (args: TicketRef & { approver?: string }) => {
      const { table, row } = ticket(args)
      decide(table, row, 'approved', args.approver)
      db.update(table, row.sys_id!, { approval: 'approved', stage: 'fulfillment' }, ACTOR)
      return summary(table, row)
    },
    /** `{ticket, approver?}`: rejected, and the item closes incomplete as the platform's workflow does. */
    reject: (args: TicketRef & { approver?: string }) => {
      const { table, row } = ticket(args)
      decide(table, row, 'rejected', args.approver)
      const at = snDateTime(db.clock.next())
      db.update(
        table,
        row.sys_id!,
        { approval: 'rejected', state: '4', stage: 'Request Rejected', active: 'false', closed_at: at },
        ACTOR,
      )
      return summary(table, row)
    },
    /** `{ticket}`: Closed Complete. */
    fulfil: (args: TicketRef) => {
      const { table, row } = ticket(args)
      const at = snDateTime(db.clock.next())
      db.update(table, row.sys_id!, { state: '3', stage: 'complete', active: 'false', closed_at: at }, ACTOR)
      return summary(table, row)
    },
    /** `{ticket, state?}`: Closed Incomplete (`4`, or `7` Closed Skipped); pending approvals are cancelled. */
    cancel: (args: TicketRef & { state?: '4' | '7' }) => {
      const { table, row } = ticket(args)
      decide(table, row, 'cancelled', undefined)
      const at = snDateTime(db.clock.next())
      db.update(
        table,
        row.sys_id!,
        { state: args.state ?? '4', stage: 'Request Cancelled', active: 'false', closed_at: at },
        ACTOR,
      )
      return summary(table, row)
    },
    /**
     * `{requestedFor, openedBy?, catalogItem?, shortDescription?, variables?, approval?, state?}`: a request and
     * its requested item, with catalog variables; users by sys_id, user_name or email, the catalog item by name
     * or sys_id (created when missing).
     */
    createTicket: (args: {
      requestedFor: string
      openedBy?: string
      catalogItem?: string
      shortDescription?: string
      variables?: Record<string, string>
      approval?: string
      state?: string
    }) => {
      const forUser = user(requireString(args, 'requestedFor'))
      const by = args.openedBy ? user(args.openedBy) : forUser
      const catName = args.catalogItem ?? 'Access Request'
      const cats = db.table('sc_cat_item')
      const cat =
        cats.byId.get(catName) ??
        cats.rows.find((c) => c.name === catName) ??
        db.insert('sc_cat_item', { name: catName, active: 'true' }, ACTOR)
      const description = args.shortDescription ?? cat.name ?? catName
      const request = db.insert(
        'sc_request',
        {
          requested_for: forUser.sys_id,
          opened_by: by.sys_id,
          short_description: description,
          state: '1',
          request_state: 'requested',
          approval: args.approval ?? 'requested',
        },
        ACTOR,
      )
      const item = db.insert(
        'sc_req_item',
        {
          request: request.sys_id,
          cat_item: cat.sys_id,
          requested_for: forUser.sys_id,
          opened_by: by.sys_id,
          short_description: description,
          state: args.state ?? '1',
          stage: 'waiting_for_approval',
          approval: args.approval ?? 'requested',
          active: 'true',
        },
        ACTOR,
      )
      for (const [name, value] of Object.entries(args.variables ?? {})) {
        db.setVariable(item.sys_id!, name, String(value), ACTOR)
      }
      return summary('sc_req_item', item)
    },
    /** `{ticket, name, value}`: edits a catalog variable of a requested item. */
    setVariable: (args: TicketRef & { name: string; value: string }) => {
      const { table, row } = ticket(args)
      db.setVariable(row.sys_id!, requireString(args, 'name'), String(args.value ?? ''), ACTOR)
      return summary(table, row)
    },
    /** `{ticket, table?, field, value}`: edits any field of a record (a ticket, a user...). */
    setField: (args: TicketRef & { field: string; value: string }) => {
      const { table, row } = ticket(args)
      const field = requireString(args, 'field')
      if (!db.table(table).columnSet.has(field)) throw new Error(`field: ${table} has no field ${field}`)
      db.update(table, row.sys_id!, { [field]: String(args.value ?? '') }, ACTOR)
      return summary(table, row)
    },
  }
}

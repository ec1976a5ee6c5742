import { compileTicketMap } from '../ticket-mapping/map-ticket.ts'
import type { CheckContext, CheckItem } from '../types.ts'
import { createServiceNowHttp, getTablePage } from './client.ts'
import type { ServiceNowConfig } from './config.ts'
import { andEveryBranch } from './encoded-query.ts'
import { fieldsForPaths, SERVICENOW_DEFAULTS } from './transform.ts'

/** Reads one row of every table the ticket source needs, so a missing role shows before the first sync. */
export async function checkServiceNow(config: ServiceNowConfig, ctx: CheckContext): Promise<CheckItem[]> {
  const items: CheckItem[] = []
  const http = createServiceNowHttp(config, ctx.logger)
  const tables: { table: string; why: string }[] = []
  if (config.tickets) {
    try {
      const { variables } = fieldsForPaths(compileTicketMap(config.tickets.map, SERVICENOW_DEFAULTS).paths)
      andEveryBranch(config.tickets.filter, 'sys_id>0')
      items.push({ name: 'tickets.map and tickets.filter', ok: true, detail: 'valid' })
      tables.push({ table: config.tickets.table, why: 'the access tickets' })
      tables.push(
        { table: 'sysapproval_approver', why: 'approvals' },
        { table: 'sys_user', why: 'user emails' },
      )
      if (variables) tables.push({ table: 'sc_item_option_mtom', why: 'catalog variables' })
    } catch (e) {
      items.push({ name: 'tickets.map and tickets.filter', ok: false, detail: (e as Error).message })
    }
  } else {
    tables.push({ table: 'sys_user', why: 'connectivity' })
  }
  for (const t of tables) {
    try {
      await getTablePage(
        http,
        { table: t.table, params: { sysparm_limit: 1, sysparm_fields: 'sys_id' } },
        { signal: ctx.signal },
      )
      items.push({ name: `read ${t.table}`, ok: true, detail: `readable (${t.why})` })
    } catch (e) {
      const status = (e as { status?: number }).status
      items.push({
        name: `read ${t.table}`,
        ok: false,
        detail: (e as Error).message,
        fix:
          status === 401
            ? 'check auth (user, password or OAuth client)'
            : status === 403
              ? `give the integration user read access to ${t.table} (role or ACL)`
              : undefined,
      })
    }
  }
  return items
}

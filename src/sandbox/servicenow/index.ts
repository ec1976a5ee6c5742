/**
 * The ServiceNow Table API simulator (vendor-apis.md section 1): `/api/now/[v1|v2/]table/{table}[/{sys_id}]`
 * with encoded queries, dot-walking, catalog variables, display values, `Link`/`X-Total-Count` paging counted
 * before ACLs, POST/PATCH/PUT/DELETE, basic auth and `oauth_token.do`, and ServiceNow's rate-limit and error
 * replies. Start it with `startServiceNowSimulator(tenant.servicenow, options)`; its control handle
 * (`sim.control`) approves, rejects, fulfils and cancels tickets, creates them and edits variables and fields.
 *
 * Tables served: every table of the tenant plus `incident`, `sc_request`, `sc_req_item`, `sc_task`,
 * `sysapproval_approver`, `sys_user`, `sys_user_group`, `sc_cat_item` and the catalog-variable tables
 * `item_option_new` (definitions: `name`), `sc_item_option` (`item_option_new`, `value`) and
 * `sc_item_option_mtom` (`request_item`, `sc_item_option`), which back `variables.<name>` on sc_req_item.
 */
export type { SnCredentials } from './auth.ts'
export { SnDatabase } from './database.ts'
export {
  RATE_LIMIT_RULE_SYS_ID,
  SANDBOX_SERVICENOW_CREDENTIALS,
  type ServiceNowSimulator,
  type ServiceNowSimulatorOptions,
  serviceNowBehaviour,
  startServiceNowSimulator,
} from './simulator.ts'
export { snDateTime } from './time.ts'

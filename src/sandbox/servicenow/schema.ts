import { createHash } from 'node:crypto'

/**
 * What the simulator knows of ServiceNow tables beyond the tenant's rows: the columns and references of the
 * tables it serves (so an empty `incident` table still has fields, and unknown fields can be ignored as the real
 * instance ignores them), each table's display field, number prefixes and the labels of common choice fields
 * (for `sysparm_display_value=true|all`). Field names follow vendor-apis.md section 1.7; the rest are the
 * platform's usual columns.
 */

const SYS = [
  'sys_id',
  'sys_created_on',
  'sys_created_by',
  'sys_updated_on',
  'sys_updated_by',
  'sys_mod_count',
]
const TASK = [
  'number',
  'short_description',
  'description',
  'state',
  'active',
  'approval',
  'priority',
  'urgency',
  'impact',
  'opened_at',
  'opened_by',
  'closed_at',
  'assignment_group',
  'assigned_to',
  'work_notes',
  'comments',
  'correlation_id',
  'correlation_display',
]
const TASK_REFS = { opened_by: 'sys_user', assignment_group: 'sys_user_group', assigned_to: 'sys_user' }

export interface TableSchema {
  columns: string[]
  references: Record<string, string>
}

export const BUILTIN_TABLES: Record<string, TableSchema> = {
  incident: {
    columns: [...SYS, ...TASK, 'category', 'caller_id', 'close_code', 'close_notes', 'resolved_at'],
    references: { ...TASK_REFS, caller_id: 'sys_user' },
  },
  sc_request: {
    columns: [...SYS, ...TASK, 'requested_for', 'request_state'],
    references: { ...TASK_REFS, requested_for: 'sys_user' },
  },
  sc_req_item: {
    columns: [...SYS, ...TASK, 'request', 'cat_item', 'requested_for', 'stage', 'quantity'],
    references: { ...TASK_REFS, request: 'sc_request', cat_item: 'sc_cat_item', requested_for: 'sys_user' },
  },
  sc_task: {
    columns: [...SYS, ...TASK, 'request_item', 'request'],
    references: { ...TASK_REFS, request_item: 'sc_req_item', request: 'sc_request' },
  },
  sysapproval_approver: {
    columns: [
      ...SYS,
      'approver',
      'state',
      'sysapproval',
      'source_table',
      'document_id',
      'comments',
      'due_date',
    ],
    references: { approver: 'sys_user', sysapproval: 'task' },
  },
  sys_user: {
    columns: [
      ...SYS,
      'user_name',
      'email',
      'name',
      'first_name',
      'last_name',
      'active',
      'title',
      'department',
    ],
    references: {},
  },
  sys_user_group: { columns: [...SYS, 'name', 'description', 'active'], references: {} },
  sc_cat_item: { columns: [...SYS, 'name', 'short_description', 'active'], references: {} },
  item_option_new: {
    columns: [...SYS, 'name', 'question_text', 'cat_item', 'type', 'order'],
    references: { cat_item: 'sc_cat_item' },
  },
  sc_item_option: {
    columns: [...SYS, 'item_option_new', 'value', 'order'],
    references: { item_option_new: 'item_option_new' },
  },
  sys_choice: {
    columns: [...SYS, 'name', 'element', 'value', 'label', 'language', 'sequence', 'inactive'],
    references: {},
  },
  sc_item_option_mtom: {
    columns: [...SYS, 'request_item', 'sc_item_option'],
    references: { request_item: 'sc_req_item', sc_item_option: 'sc_item_option' },
  },
}

/** Tables a `task` reference (sysapproval_approver.sysapproval) may point into. */
export const TASK_TABLES = ['sc_req_item', 'sc_request', 'sc_task', 'incident']

export const NUMBER_PREFIX: Record<string, string> = {
  incident: 'INC',
  sc_request: 'REQ',
  sc_req_item: 'RITM',
  sc_task: 'SCTASK',
}

const DISPLAY_FIELD: Record<string, string> = {
  sys_user: 'name',
  sys_user_group: 'name',
  sc_cat_item: 'name',
  item_option_new: 'question_text',
  sc_item_option: 'value',
}

/** The field whose value is a record's display value (`name`, the task `number`, else the sys_id). */
export function displayField(table: string, columns: ReadonlySet<string>): string {
  const f = DISPLAY_FIELD[table]
  if (f && columns.has(f)) return f
  if (columns.has('number')) return 'number'
  if (columns.has('name')) return 'name'
  return 'sys_id'
}

const TASK_STATE = { '1': 'Open', '2': 'Work in Progress', '3': 'Closed Complete', '4': 'Closed Incomplete' }
const APPROVAL = {
  'not requested': 'Not Yet Requested',
  requested: 'Requested',
  approved: 'Approved',
  rejected: 'Rejected',
  cancelled: 'Cancelled',
  not_required: 'No Longer Required',
  duplicate: 'Duplicate',
}
const LEVEL = { '1': '1 - High', '2': '2 - Medium', '3': '3 - Low' }

/** Choice labels by `table.column` (`*.column` for every table). */
const CHOICES: Record<string, Record<string, string>> = {
  '*.approval': APPROVAL,
  '*.urgency': LEVEL,
  '*.impact': LEVEL,
  '*.priority': {
    '1': '1 - Critical',
    '2': '2 - High',
    '3': '3 - Moderate',
    '4': '4 - Low',
    '5': '5 - Planning',
  },
  '*.active': { true: 'true', false: 'false' },
  'sc_req_item.state': { ...TASK_STATE, '7': 'Closed Skipped', '-5': 'Pending' },
  'sc_task.state': { ...TASK_STATE, '7': 'Closed Skipped', '-5': 'Pending' },
  'sc_request.state': { ...TASK_STATE, '7': 'Closed Skipped' },
  'incident.state': {
    '1': 'New',
    '2': 'In Progress',
    '3': 'On Hold',
    '6': 'Resolved',
    '7': 'Closed',
    '8': 'Canceled',
  },
  'sysapproval_approver.state': APPROVAL,
}

/**
 * The `sys_choice` rows behind the labels above, one per table, column and value (what a client enumerates with
 * `sys_choice?sysparm_query=name=sysapproval_approver^element=state`), with sys_ids derived from their names.
 */
export function choiceRows(): Record<string, string>[] {
  const rows: Record<string, string>[] = []
  for (const [table, schema] of Object.entries(BUILTIN_TABLES)) {
    for (const column of schema.columns) {
      const labels = CHOICES[`${table}.${column}`] ?? CHOICES[`*.${column}`]
      if (!labels || column === 'active') continue
      for (const [i, [value, label]] of Object.entries(labels).entries()) {
        rows.push({
          sys_id: createHash('md5').update(`${table}.${column}.${value}`).digest('hex'),
          name: table,
          element: column,
          value,
          label,
          language: 'en',
          sequence: String(i),
          inactive: 'false',
        })
      }
    }
  }
  return rows
}

export function choiceLabel(table: string, column: string, value: string): string {
  return CHOICES[`${table}.${column}`]?.[value] ?? CHOICES[`*.${column}`]?.[value] ?? value
}

import type { Finding } from '../../model/finding.ts'
import type { Severity } from '../../model/severity.ts'
import type { HttpClient } from '../http/client.ts'
import { HttpError } from '../http/errors.ts'
import { findingPlainText, findingSummary } from '../ticket-mapping/finding-text.ts'
import type { RaisedRecord, SinkContext, TicketSink } from '../types.ts'
import { createServiceNowHttp, getTablePage, tablePath } from './client.ts'
import type { ServiceNowConfig, ServiceNowSinkConfig } from './config.ts'
import { isSysId, snEquals } from './encoded-query.ts'
import { fieldText, SnSingle } from './schema.ts'

/** DESIGN section 8: the ITSM priority follows severity. */
export const URGENCY_IMPACT: Record<Severity, { urgency: string; impact: string }> = {
  critical: { urgency: '1', impact: '1' },
  high: { urgency: '2', impact: '2' },
  medium: { urgency: '2', impact: '3' },
  low: { urgency: '3', impact: '3' },
}

/** Incident states that mean done: 6 resolved, 7 closed, 8 canceled. */
const CLOSED_STATES = new Set(['6', '7', '8'])

/**
 * Journal fields (work notes, comments) render `[code]…[/code]` as raw HTML, so text that carries vendor or user
 * data (a group named `[code]<img src=x onerror=…>[/code]`) could inject markup into the agent's view. Neutralised
 * in everything the sink writes.
 */
export function neutraliseJournal(text: string): string {
  return text.replace(/\[(\/?)code\]/gi, '($1code)')
}

/**
 * Raises findings as records of the configured table (default `incident`). The fingerprint goes into the
 * correlation field and is looked up before every create, so a retried create never duplicates.
 */
export function createServiceNowSink(
  config: ServiceNowConfig,
  sink: ServiceNowSinkConfig,
  ctx: SinkContext,
  http: HttpClient = createServiceNowHttp(config, ctx.logger),
): TicketSink {
  const f = sink.fields
  const base = config.baseUrl.replace(/\/+$/, '')
  let groupId: Promise<string | null> | null = null

  const recordUrl = (sysId: string) =>
    `${base}/nav_to.do?uri=${encodeURIComponent(`${sink.table}.do?sys_id=${sysId}`)}`

  const toRecord = (r: Record<string, unknown>): RaisedRecord => {
    const sysId = fieldText(r.sys_id as string)
    const state = fieldText(r.state as string)
    return {
      key: fieldText(r.number as string) || sysId,
      url: recordUrl(sysId),
      externalId: sysId,
      closed: CLOSED_STATES.has(state) || fieldText(r.active as string) === 'false',
    }
  }

  /** The assignment group's sys_id: taken as is, or looked up once by name. */
  function assignmentGroup(): Promise<string | null> {
    const name = sink.assignmentGroup
    if (!name) return Promise.resolve(null)
    if (isSysId(name)) return Promise.resolve(name)
    groupId ??= getTablePage(
      http,
      {
        table: 'sys_user_group',
        params: { sysparm_query: snEquals('name', name), sysparm_fields: 'sys_id,name', sysparm_limit: 1 },
      },
      { signal: ctx.signal },
    ).then((p) => {
      const id = p.rows[0]?.sys_id
      if (!id)
        throw new Error(
          `raise.sinks: assignment group ${JSON.stringify(name)} was not found in sys_user_group`,
        )
      return id
    })
    return groupId
  }

  async function find(finding: Finding): Promise<RaisedRecord | null> {
    const page = await getTablePage(
      http,
      {
        table: sink.table,
        params: {
          sysparm_query: `${snEquals(f.correlationId, finding.id)}^ORDERBYDESCsys_created_on`,
          sysparm_fields: 'sys_id,number,state,active',
          sysparm_limit: 1,
        },
      },
      { signal: ctx.signal },
    )
    const row = page.rows[0]
    return row ? toRecord(row) : null
  }

  async function patch(record: RaisedRecord, body: Record<string, string>): Promise<Record<string, unknown>> {
    const res = await http.request(`${tablePath(sink.table)}/${record.externalId}`, {
      method: 'PATCH',
      params: { sysparm_exclude_reference_link: true, sysparm_fields: 'sys_id,number,state,active' },
      body,
      signal: ctx.signal,
    })
    const parsed = SnSingle.safeParse(res.data)
    if (!parsed.success)
      throw new Error(`ServiceNow PATCH ${sink.table}/${record.externalId}: unexpected response`)
    return parsed.data.result
  }

  async function createNew(finding: Finding, previous?: RaisedRecord): Promise<RaisedRecord> {
    const group = await assignmentGroup()
    const { urgency, impact } = URGENCY_IMPACT[finding.severity]
    let description = findingPlainText(finding)
    if (previous)
      description = `Recurrence of ${previous.key} (${previous.url}), which could not be reopened.\n\n${description}`
    const body: Record<string, string> = {
      [f.shortDescription]: neutraliseJournal(findingSummary(finding)),
      [f.description]: neutraliseJournal(description),
      urgency,
      impact,
      category: sink.category,
      [f.correlationId]: finding.id,
      correlation_display: 'accord',
    }
    if (group) body.assignment_group = group
    // POSTs are not idempotent: the client does not retry them after a 504 or a dropped connection; the outbox
    // confirms with find() before it creates again.
    const res = await http.request(tablePath(sink.table), {
      method: 'POST',
      params: { sysparm_exclude_reference_link: true, sysparm_fields: 'sys_id,number,state,active' },
      body,
      signal: ctx.signal,
    })
    const parsed = SnSingle.safeParse(res.data)
    if (!parsed.success) throw new Error(`ServiceNow POST ${sink.table}: unexpected response`)
    return toRecord(parsed.data.result)
  }

  async function reopen(record: RaisedRecord, finding: Finding): Promise<RaisedRecord> {
    if (sink.allowReopen) {
      try {
        const r = await patch(record, {
          state: sink.reopenState,
          [f.workNotes]: neutraliseJournal(`accord: the drift is back (${finding.rule}); reopened.`),
        })
        if (fieldText(r.state as string) === sink.reopenState) return toRecord(r)
        ctx.logger.warn({ record: record.key }, 'the instance kept the record closed; raising a new one')
      } catch (e) {
        // A business rule or data policy forbidding the reopen answers 403 (or 400 with its message).
        if (!(e instanceof HttpError) || (e.status !== 403 && e.status !== 400)) throw e
        ctx.logger.warn(
          { record: record.key, status: e.status },
          'the instance refused to reopen; raising a new one',
        )
      }
    }
    return createNew(finding, record)
  }

  return {
    find: (finding) => find(finding),
    async create(finding) {
      // Looked up first, so a create retried after a lost response returns the record made the first time;
      // a closed one is reopened, so the finding always ends with an open record.
      const found = await find(finding)
      if (!found) return createNew(finding)
      return found.closed ? reopen(found, finding) : found
    },
    async update(record, _finding, change) {
      await patch(record, { [f.workNotes]: neutraliseJournal(`accord: ${change}`) })
    },
    async resolve(record, finding) {
      await patch(record, {
        state: sink.resolve.state,
        [sink.resolve.closeCodeField]: sink.resolve.closeCode,
        [sink.resolve.closeNotesField]: neutraliseJournal(
          `accord: the drift is gone (${finding.rule}, last seen ${finding.lastSeen.toISOString()}).`,
        ),
      })
    },
    reopen,
  }
}

import type { Finding } from '../../model/finding.ts'
import type { HttpClient } from '../http/client.ts'
import { sleep } from '../http/sleep.ts'
import { findingSections, findingSummary } from '../ticket-mapping/finding-text.ts'
import type { RaisedRecord, SinkContext, TicketSink } from '../types.ts'
import { adfFromSections, adfText } from './adf.ts'
import { createJiraHttp } from './client.ts'
import type { JiraConfig, JiraSinkConfig } from './config.ts'
import { withJiraFieldErrors } from './errors.ts'
import { jqlString } from './jql.ts'
import { JiraCreated, JiraSearchPage, JiraTransitions } from './schema.ts'

/** The issue property holding the fingerprint (and the rule), readable by any later tool. */
export const FINDING_PROPERTY = 'accord.finding'

/** Labels cannot hold spaces; fingerprints are hex, so this label is the fingerprint's searchable twin. */
export function fingerprintLabel(fingerprint: string): string {
  return `accord-${fingerprint.replace(/[^A-Za-z0-9_-]/g, '_')}`
}

/**
 * Raises findings as Jira issues. Before creating, the fingerprint is looked up by its label; Jira search is
 * eventually consistent, so `find(…, {waitForConsistency: true})` (the outbox's confirmation of a create that
 * was in flight at a crash) searches again after `searchConsistencyMs` before concluding the issue is absent.
 */
export function createJiraSink(
  config: JiraConfig,
  sink: JiraSinkConfig,
  ctx: SinkContext,
  http: HttpClient = createJiraHttp(config, ctx.logger),
): TicketSink {
  const base = config.baseUrl.replace(/\/+$/, '')
  const issueUrl = (key: string) => `${base}/browse/${encodeURIComponent(key)}`

  async function search(finding: Finding): Promise<RaisedRecord | null> {
    const jql = `project = ${jqlString(sink.project)} AND labels = ${jqlString(fingerprintLabel(finding.id))} ORDER BY created DESC`
    const res = await http.request('/rest/api/3/search/jql', {
      method: 'POST',
      body: { jql, fields: ['status', 'created'], maxResults: 1 },
      idempotent: true,
      signal: ctx.signal,
    })
    const page = JiraSearchPage.parse(res.data)
    const issue = page.issues[0] as
      | { id: string; key: string; fields?: { status?: { statusCategory?: { key?: string } } } }
      | undefined
    if (!issue) return null
    return {
      key: issue.key,
      externalId: issue.id,
      url: issueUrl(issue.key),
      closed: issue.fields?.status?.statusCategory?.key === 'done',
    }
  }

  async function find(finding: Finding, opts: { waitForConsistency: boolean }): Promise<RaisedRecord | null> {
    const hit = await search(finding)
    if (hit || !opts.waitForConsistency) return hit
    await sleep(config.searchConsistencyMs, ctx.signal)
    return search(finding)
  }

  async function comment(record: RaisedRecord, text: string): Promise<void> {
    await http.request(`/rest/api/3/issue/${encodeURIComponent(record.key)}/comment`, {
      method: 'POST',
      body: { body: adfText(text) },
      signal: ctx.signal,
    })
  }

  /** Moves the issue to a status by name: the transition whose target status (or own name) matches. */
  async function transitionTo(record: RaisedRecord, status: string): Promise<boolean> {
    const path = `/rest/api/3/issue/${encodeURIComponent(record.key)}/transitions`
    const { transitions } = await http.getJson(path, JiraTransitions, { signal: ctx.signal })
    const want = status.toLowerCase()
    const t =
      transitions.find((x) => x.to?.name.toLowerCase() === want) ??
      transitions.find((x) => x.name.toLowerCase() === want)
    if (!t) {
      ctx.logger.warn(
        { issue: record.key, status, available: transitions.map((x) => x.to?.name ?? x.name) },
        'no transition to the configured status',
      )
      return false
    }
    await http.request(path, { method: 'POST', body: { transition: { id: t.id } }, signal: ctx.signal })
    return true
  }

  async function createNew(finding: Finding, previous?: RaisedRecord): Promise<RaisedRecord> {
    const intro = previous ? `Recurrence of ${previous.key}.` : undefined
    const res = await http
      .request('/rest/api/3/issue', {
        method: 'POST',
        body: {
          fields: {
            project: { key: sink.project },
            issuetype: { name: sink.issueType },
            summary: findingSummary(finding),
            description: adfFromSections(findingSections(finding), intro),
            priority: { name: sink.priorities[finding.severity] },
            labels: [sink.label, fingerprintLabel(finding.id)],
          },
          properties: [{ key: FINDING_PROPERTY, value: { fingerprint: finding.id, rule: finding.rule } }],
        },
        signal: ctx.signal,
      })
      .catch((e) => {
        throw withJiraFieldErrors(e)
      })
    const created = JiraCreated.parse(res.data)
    // Also set explicitly: not every Jira honours `properties` on create, and the label alone is not evidence
    // a reader can verify. Idempotent, so a retry is harmless.
    await http.request(
      `/rest/api/3/issue/${encodeURIComponent(created.key)}/properties/${FINDING_PROPERTY}`,
      {
        method: 'PUT',
        body: { fingerprint: finding.id, rule: finding.rule },
        signal: ctx.signal,
      },
    )
    return { key: created.key, externalId: created.id, url: issueUrl(created.key), closed: false }
  }

  async function reopen(record: RaisedRecord, finding: Finding): Promise<RaisedRecord> {
    if (await transitionTo(record, sink.reopenStatus)) {
      await comment(record, `accord: the drift is back (${finding.rule}); reopened.`)
      return { ...record, closed: false }
    }
    return createNew(finding, record)
  }

  return {
    find,
    async create(finding) {
      // Looked up first (a retried create returns the first issue); a closed one is reopened.
      const found = await search(finding)
      if (!found) return createNew(finding)
      return found.closed ? reopen(found, finding) : found
    },
    async update(record, _finding, change) {
      await comment(record, `accord: ${change}`)
    },
    async resolve(record, finding) {
      await comment(
        record,
        `accord: the drift is gone (${finding.rule}, last seen ${finding.lastSeen.toISOString()}).`,
      )
      if (!(await transitionTo(record, sink.doneStatus)))
        throw new Error(`Jira issue ${record.key} has no transition to ${JSON.stringify(sink.doneStatus)}`)
    },
    reopen,
  }
}

import { createCloudClient, createServiceDeskClient, isApiError } from 'jira.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type JiraSimulator, startJiraSimulator } from '../../../../src/sandbox/jira/index.ts'
import { BASIC, EMAIL, smallJira, TOKEN, USERS } from './fixture.ts'

// The official client validates every response against its zod schemas: 'throw' turns a shape drift into a failure.
let sim: JiraSimulator
let jira: ReturnType<typeof createCloudClient>
let desk: ReturnType<typeof createServiceDeskClient>
beforeAll(async () => {
  sim = await startJiraSimulator(smallJira(120), { searchDelayMs: 0 })
  const config = {
    host: sim.url,
    auth: { type: 'basic' as const, email: EMAIL, apiToken: TOKEN },
    onSchemaMismatch: 'throw' as const,
  }
  jira = createCloudClient(config)
  desk = createServiceDeskClient(config)
})
afterAll(() => sim.close())

describe('Jira simulator with the official jira.js client', () => {
  it('pages search/jql with nextPageToken until isLast, over several pages, in the requested order', async () => {
    const keys: string[] = []
    let nextPageToken: string | undefined
    let pages = 0
    do {
      const page = await jira.issueSearch.searchAndReconsileIssuesUsingJqlPost({
        jql: 'project = ACCESS AND statusCategory != Done ORDER BY key ASC',
        fields: ['summary', 'status', 'customfield_10071', 'updated'],
        maxResults: 25,
        nextPageToken,
      })
      pages++
      for (const issue of page.issues ?? []) {
        keys.push(issue.key!)
        expect(issue.fields?.status?.statusCategory?.key).toBe('new')
        expect(Object.keys(issue.fields ?? {}).sort()).toEqual([
          'customfield_10071',
          'status',
          'summary',
          'updated',
        ])
      }
      nextPageToken = page.nextPageToken ?? undefined
      expect(page.isLast).toBe(nextPageToken === undefined)
    } while (nextPageToken)
    expect(pages).toBe(5) // 116 open issues, 25 a page
    expect(keys).toEqual(Array.from({ length: 116 }, (_, i) => `ACCESS-${i + 5}`))
  })

  it('returns only ids by default, over GET as well', async () => {
    const page = await jira.issueSearch.searchAndReconsileIssuesUsingJql({
      jql: 'key in (ACCESS-1, ACCESS-2)',
      maxResults: 10,
    })
    expect(page.issues).toEqual([{ id: '20002' }, { id: '20001' }])
    expect(page.isLast).toBe(true)
  })

  it('creates an issue with an ADF description, reads it back, transitions and comments it', async () => {
    const created = await jira.issues.createIssue({
      fields: {
        project: { key: 'IAM' },
        issuetype: { name: 'Task' },
        summary: 'Orphaned admin',
        labels: ['accord-finding'],
        priority: { name: 'High' },
        description: {
          type: 'doc',
          version: 1,
          content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Details' }] }],
        },
      },
    })
    expect(created).toEqual({
      id: expect.any(String),
      key: 'IAM-1',
      self: `${sim.url}/rest/api/3/issue/${created.id}`,
    })
    const issue = await jira.issues.getIssue({ issueIdOrKey: 'IAM-1' })
    expect(issue.fields?.summary).toBe('Orphaned admin')
    expect(issue.fields?.status.statusCategory?.key).toBe('new')
    expect(issue.fields?.reporter?.accountId).toBe(USERS.svc!.accountId)

    const { transitions } = await jira.issues.getTransitions({ issueIdOrKey: 'IAM-1' })
    const done = transitions!.find((t) => t.name === 'Done')!
    await jira.issues.doTransition({ issueIdOrKey: 'IAM-1', transition: { id: done.id } })
    const after = await jira.issues.getIssue({ issueIdOrKey: 'IAM-1', fields: ['status', 'resolutiondate'] })
    expect(after.fields?.status.name).toBe('Done')
    expect(after.fields?.resolutiondate).toEqual(expect.any(String))

    const comment = await jira.issueComments.addComment({
      issueIdOrKey: 'IAM-1',
      body: {
        type: 'doc',
        version: 1,
        content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Resolved' }] }],
      },
    })
    expect(comment.author?.accountId).toBe(USERS.svc!.accountId)
  })

  it('refuses a plain-string description on REST v3 with Jira 400 errors body', async () => {
    // jira.js itself reroutes string descriptions to REST v2, so this request is made by hand.
    const res = await fetch(`${sim.url}/rest/api/3/issue`, {
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': 'application/json' },
      body: JSON.stringify({
        fields: { project: { key: 'IAM' }, issuetype: { name: 'Task' }, summary: 'x', description: 'plain' },
      }),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      errorMessages: [],
      errors: {
        description: 'Operation value must be an Atlassian Document (see the Atlassian Document Format)',
      },
    })
  })

  it('reports every invalid field of a create at once, as Jira does', async () => {
    const err = await jira.issues
      .createIssue({
        fields: { project: { key: 'NOPE' }, issuetype: { name: 'Task' }, customfield_99999: 'x' } as never,
      })
      .catch((e: unknown) => e)
    expect(isApiError(err)).toBe(true)
    expect((err as { status: number }).status).toBe(400)
    expect((err as { body: unknown }).body).toEqual({
      errorMessages: [],
      errors: {
        project: 'Specify a valid project ID or key',
        summary: 'You must specify a summary of the issue.',
        customfield_99999:
          "Field 'customfield_99999' cannot be set. It is not on the appropriate screen, or unknown.",
      },
    })
  })

  it('sets entity properties given on create', async () => {
    const created = await jira.issues.createIssue({
      fields: { project: { key: 'IAM' }, issuetype: { name: 'Task' }, summary: 'with property' },
      properties: [{ key: 'accord', value: { fingerprint: 'f-new' } }],
    })
    const prop = await jira.issueProperties.getIssueProperty({
      issueIdOrKey: created.key,
      propertyKey: 'accord',
    })
    expect(prop.value).toEqual({ fingerprint: 'f-new' })
  })

  it('stores and reads issue properties, searchable by issue.property', async () => {
    await jira.issueProperties.setIssueProperty({
      issueIdOrKey: 'ACCESS-7',
      propertyKey: 'accord',
      body: { fingerprint: 'f-7' },
    })
    const prop = await jira.issueProperties.getIssueProperty({
      issueIdOrKey: 'ACCESS-7',
      propertyKey: 'accord',
    })
    expect(prop).toEqual({ key: 'accord', value: { fingerprint: 'f-7' } })
    const found = await jira.issueSearch.searchAndReconsileIssuesUsingJqlPost({
      jql: 'issue.property[accord].fingerprint = "f-7"',
      fields: ['key'],
    })
    expect(found.issues?.map((i) => i.key)).toEqual(['ACCESS-7'])
  })

  it('lists fields and users; a user hiding their email has no emailAddress', async () => {
    const fields = await jira.issueFields.getFields()
    expect(fields.find((f) => f.id === 'customfield_10071')).toMatchObject({
      name: 'Beneficiary email',
      custom: true,
    })
    expect(fields.find((f) => f.id === 'summary')).toMatchObject({ custom: false })
    const bob = await jira.users.getUser({ accountId: USERS.bob!.accountId })
    expect(bob.displayName).toBe('Bob Brown')
    expect(bob).not.toHaveProperty('emailAddress')
    const alice = await jira.users.getUser({ accountId: USERS.alice!.accountId })
    expect(alice.emailAddress).toBe('alice@contoso.com')
    const me = await jira.myself.getCurrentUser()
    expect(me).toMatchObject({ accountId: USERS.svc!.accountId, timeZone: 'UTC' })
  })

  it('pages JSM approvals with start/limit, isLastPage and _links.next', async () => {
    const first = await desk.request.getApprovals({ issueIdOrKey: 'ACCESS-3', start: 0, limit: 2 })
    expect(first).toMatchObject({ size: 2, start: 0, limit: 2, isLastPage: false })
    expect(first._links?.next).toContain('start=2')
    const second = await desk.request.getApprovals({ issueIdOrKey: 'ACCESS-3', start: 2, limit: 2 })
    expect(second).toMatchObject({ size: 1, start: 2, isLastPage: true })
    expect(second._links?.next).toBeUndefined()
    const all = [...(first.values ?? []), ...(second.values ?? [])]
    expect(all.map((a) => a.finalDecision)).toEqual(['approved', 'approved', 'approved'])
    expect(all[0]!.approvers?.[0]?.approver?.emailAddress).toBe('carol@contoso.com')
    expect(all[1]!.approvers?.[0]?.approver).not.toHaveProperty('emailAddress')
    expect(all[0]!.createdDate).toMatchObject({
      iso8601: '2026-11-03T09:00:00+0900',
      epochMillis: Date.parse('2026-11-03T00:00:00Z'),
    })
  })
})

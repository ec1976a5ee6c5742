import { WriteClock } from '../servicenow/time.ts'
import type { JiraIssue, JiraTenant, JiraUser } from '../state.ts'
import { jiraDateTime, parseJiraDateTime } from './dates.ts'
import { JqlError, parseJql, UNBOUNDED } from './jql.ts'
import { compileJql, type IssueView } from './jql-eval.ts'

export interface JiraDatabaseOptions {
  /** How long a write takes to reach search results (Jira Cloud's search is eventually consistent). */
  searchDelayMs?: number
  /** Clock for the search delay (epoch ms); the wall clock by default. */
  consistencyClock?: () => number
}

export type JiraStatus = JiraTenant['statuses'][number]

interface PendingWrite {
  /** When the write reaches the search index (consistency clock, epoch ms). */
  at: number
  id: string
  view: IssueView
}

const COLOR: Record<string, string> = { new: 'blue-gray', indeterminate: 'yellow', done: 'green' }

function viewOf(issue: JiraIssue): IssueView {
  return structuredClone({ id: issue.id, key: issue.key, fields: issue.fields, properties: issue.properties })
}

/**
 * The Jira site's state: issues by key and id, users, statuses, and a search index that lags writes by
 * `searchDelayMs`. GET issue reads the live issue; search matches against what the index holds (the issue as it
 * was before a recent write, or nothing for a brand-new issue) until the write matures, then returns the live
 * issues it matched. `reconcileIssues` ids are matched live, as Jira's read-after-write option promises.
 */
export class JiraDatabase {
  readonly tenant: JiraTenant
  readonly clock: WriteClock
  readonly byKey = new Map<string, JiraIssue>()
  readonly byId = new Map<string, JiraIssue>()
  readonly users = new Map<string, JiraUser>()
  readonly searchDelayMs: number
  readonly #consistencyClock: () => number
  /**
   * What search sees: the live issue, except for issues written since start (their indexed copy, older than the
   * live issue until the write matures) and new issues not indexed yet. Only written issues cost a copy.
   */
  readonly #indexedCopies = new Map<string, IssueView>()
  readonly #unindexed = new Set<string>()
  #pending: PendingWrite[] = []
  #indexVersion = 0
  readonly #cache = new Map<string, string[]>()
  #nextId = 10000
  readonly #nextNumber = new Map<string, number>()

  constructor(tenant: JiraTenant, options: JiraDatabaseOptions = {}) {
    this.tenant = tenant
    this.searchDelayMs = options.searchDelayMs ?? 1000
    this.#consistencyClock = options.consistencyClock ?? Date.now
    for (const u of tenant.users) this.users.set(u.accountId, u)
    for (const issue of tenant.issues) {
      this.byKey.set(issue.key, issue)
      this.byId.set(issue.id, issue)
      this.#nextId = Math.max(this.#nextId, Number(issue.id) + 1 || 0)
      const dash = issue.key.lastIndexOf('-')
      const project = issue.key.slice(0, dash)
      const n = Number(issue.key.slice(dash + 1))
      this.#nextNumber.set(project, Math.max(this.#nextNumber.get(project) ?? 1, n + 1))
    }
    // The latest `updated`, found on the first write rather than at start-up (parsing 200k dates takes a while).
    this.clock = new WriteClock(() => {
      let latest = 0
      for (const issue of tenant.issues) {
        const updated = parseJiraDateTime(String(issue.fields.updated ?? ''))
        if (updated > latest) latest = updated
      }
      return latest
    })
  }

  /** An issue by key (case-insensitive, as Jira) or numeric id. */
  issue(idOrKey: string): JiraIssue | undefined {
    return this.byId.get(idOrKey) ?? this.byKey.get(idOrKey.toUpperCase())
  }

  status(idOrName: string): JiraStatus | undefined {
    const lower = idOrName.toLowerCase()
    return this.tenant.statuses.find((s) => s.id === idOrName || s.name.toLowerCase() === lower)
  }

  /** A status as the REST API renders it. */
  renderStatus(s: JiraStatus, origin: string): Record<string, unknown> {
    return {
      self: `${origin}/rest/api/3/status/${s.id}`,
      description: '',
      iconUrl: `${origin}/images/icons/statuses/generic.png`,
      name: s.name,
      id: s.id,
      statusCategory: {
        self: `${origin}/rest/api/3/statuscategory/${s.statusCategory.id}`,
        id: s.statusCategory.id,
        key: s.statusCategory.key,
        colorName: COLOR[s.statusCategory.key] ?? 'medium-gray',
        name: s.statusCategory.name,
      },
    }
  }

  /** The time to stamp on a write, in Jira's format; strictly later than any earlier write. */
  stamp(): string {
    return jiraDateTime(this.clock.next())
  }

  /** Call before mutating an issue: keeps the index's copy as it was. */
  beforeChange(issue: JiraIssue): void {
    if (!this.#indexedCopies.has(issue.id) && !this.#unindexed.has(issue.id)) {
      this.#indexedCopies.set(issue.id, viewOf(issue))
    }
  }

  /** Call after mutating an issue: the new state reaches search after the delay. */
  afterChange(issue: JiraIssue): void {
    const at = this.#consistencyClock() + this.searchDelayMs
    if (this.searchDelayMs <= 0) {
      this.#indexedCopies.delete(issue.id)
      this.#unindexed.delete(issue.id)
      this.#indexVersion++
    } else this.#pending.push({ at, id: issue.id, view: viewOf(issue) })
  }

  /**
   * Mutates an issue through the index lag. `change` gets the write's one timestamp (for resolution dates,
   * comment times...), which also becomes `updated` unless `touch` is false.
   */
  write(issue: JiraIssue, change: (issue: JiraIssue, at: string) => void, touch = true): void {
    this.beforeChange(issue)
    const at = this.stamp()
    change(issue, at)
    if (touch) issue.fields.updated = at
    this.afterChange(issue)
  }

  /** Adds a new issue (absent from search until the delay has passed). */
  add(issue: JiraIssue): void {
    this.tenant.issues.push(issue)
    this.byKey.set(issue.key, issue)
    this.byId.set(issue.id, issue)
    if (this.searchDelayMs > 0) this.#unindexed.add(issue.id)
    this.afterChange(issue)
  }

  nextIssueId(): string {
    return String(this.#nextId++)
  }

  nextKey(project: string): string {
    const n = this.#nextNumber.get(project) ?? 1
    this.#nextNumber.set(project, n + 1)
    return `${project}-${n}`
  }

  #settle(): void {
    if (this.#pending.length === 0) return
    const now = this.#consistencyClock()
    const keep: PendingWrite[] = []
    let moved = false
    for (const p of this.#pending) {
      if (p.at <= now) {
        this.#indexedCopies.set(p.id, p.view)
        this.#unindexed.delete(p.id)
        moved = true
      } else keep.push(p)
    }
    this.#pending = keep
    if (moved) this.#indexVersion++
  }

  /**
   * Ids of the issues a JQL query matches, in its order, as the index sees them now. Throws JqlError for bad
   * JQL. Cached per query and index version, so paging a large result sorts it once.
   */
  search(jql: string, nowMs: number, reconcile: string[] = []): string[] {
    this.#settle()
    const key = `${jql}\u0000${this.#indexVersion}\u0000${reconcile.join(',')}`
    const hit = this.#cache.get(key)
    if (hit) return hit
    const parsed = parseJql(jql)
    if (!parsed.where) throw new JqlError(UNBOUNDED)
    const compiled = compileJql(parsed, { fields: this.tenant.fields, nowMs })
    const views: IssueView[] = []
    const live = new Set(reconcile)
    for (const issue of this.tenant.issues) {
      if (live.has(issue.id)) views.push(issue)
      else {
        const copy = this.#indexedCopies.get(issue.id)
        if (copy) views.push(copy)
        else if (!this.#unindexed.has(issue.id)) views.push(issue)
      }
    }
    const ids = compiled.sort(views.filter(compiled.matches)).map((v) => v.id)
    if (!compiled.volatile) {
      if (this.#cache.size >= 16) this.#cache.delete(this.#cache.keys().next().value!)
      this.#cache.set(key, ids)
    }
    return ids
  }
}

import { randomUUID } from 'node:crypto'
import type {
  GraphAppRoleAssignment,
  GraphGroup,
  GraphMemberRef,
  GraphPasswordCredential,
  GraphRoleAssignment,
  GraphServicePrincipal,
  GraphTenant,
  GraphUser,
} from '../state.ts'

/** One change, in order: what delta queries replay. */
export interface GraphChange {
  seq: number
  entity: 'user' | 'group'
  id: string
  /** A membership change of group `id`. */
  member?: { ref: GraphMemberRef; removed: boolean }
  /** The object itself went away (soft-deleted). */
  deleted?: boolean
}

/**
 * The Graph tenant as served: the sandbox's raw tenant plus indexes, and a change log with sequence numbers that
 * delta tokens point into. Every mutation goes through here so delta sees it.
 */
export class GraphState {
  readonly tenant: GraphTenant
  readonly users = new Map<string, GraphUser>()
  readonly groups = new Map<string, GraphGroup>()
  readonly servicePrincipals = new Map<string, GraphServicePrincipal>()
  readonly changes: GraphChange[] = []
  /** Delta tokens carry the epoch they were issued in; tokens from an older epoch answer 410 (resync). */
  epoch = 0
  /** Bumped by every change: memoised listings (a filtered collection paged slice by slice) hold while it stands. */
  version = 0
  readonly #memo = new Map<string, { version: number; value: unknown }>()
  #seq = 0
  readonly #dataNow: () => string

  constructor(tenant: GraphTenant, dataNow: () => string) {
    this.tenant = tenant
    this.#dataNow = dataNow
    for (const u of tenant.users) this.users.set(u.id, u)
    for (const g of tenant.groups) this.groups.set(g.id, g)
    for (const sp of tenant.servicePrincipals) this.servicePrincipals.set(sp.id, sp)
  }

  get head(): number {
    return this.#seq
  }

  #log(change: Omit<GraphChange, 'seq'>): void {
    this.version++
    this.changes.push({ seq: ++this.#seq, ...change })
  }

  /** A value computed once per state version. */
  memo<T>(key: string, compute: () => T): T {
    const hit = this.#memo.get(key)
    if (hit && hit.version === this.version) return hit.value as T
    const value = compute()
    if (this.#memo.size > 256) this.#memo.clear()
    this.#memo.set(key, { version: this.version, value })
    return value
  }

  /** Changes after `from` up to and including `to`. */
  changesBetween(from: number, to: number): GraphChange[] {
    // The log is ordered by seq: binary search for the start.
    let lo = 0
    let hi = this.changes.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.changes[mid]!.seq <= from) lo = mid + 1
      else hi = mid
    }
    const out: GraphChange[] = []
    for (let i = lo; i < this.changes.length && this.changes[i]!.seq <= to; i++) out.push(this.changes[i]!)
    return out
  }

  members(groupId: string): GraphMemberRef[] {
    return this.tenant.members[groupId] ?? []
  }

  principalName(type: GraphMemberRef['type'], id: string): string | null {
    if (type === 'user') return this.users.get(id)?.displayName ?? null
    if (type === 'group') return this.groups.get(id)?.displayName ?? null
    return this.servicePrincipals.get(id)?.displayName ?? null
  }

  // ------------------------------------------------------------------ mutations (the control handle)

  requireGroup(id: string): GraphGroup {
    const g = this.groups.get(id)
    if (!g) throw new Error(`no group with id ${JSON.stringify(id)}`)
    return g
  }

  requireUser(id: string): GraphUser {
    const u = this.users.get(id)
    if (!u) throw new Error(`no user with id ${JSON.stringify(id)}`)
    return u
  }

  #principalType(id: string): GraphMemberRef['type'] {
    if (this.users.has(id)) return 'user'
    if (this.groups.has(id)) return 'group'
    if (this.servicePrincipals.has(id)) return 'servicePrincipal'
    throw new Error(`no user, group or service principal with id ${JSON.stringify(id)}`)
  }

  addGroupMember(args: { groupId: string; memberId: string }): boolean {
    this.requireGroup(args.groupId)
    const type = this.#principalType(args.memberId)
    this.tenant.members[args.groupId] ??= []
    const list = this.tenant.members[args.groupId]
    if (list.some((m) => m.id === args.memberId)) return false
    const ref = { type, id: args.memberId }
    list.push(ref)
    this.#log({ entity: 'group', id: args.groupId, member: { ref, removed: false } })
    return true
  }

  removeGroupMember(args: { groupId: string; memberId: string }): boolean {
    this.requireGroup(args.groupId)
    const list = this.tenant.members[args.groupId] ?? []
    const i = list.findIndex((m) => m.id === args.memberId)
    if (i < 0) return false
    const [ref] = list.splice(i, 1)
    this.#log({ entity: 'group', id: args.groupId, member: { ref: ref!, removed: true } })
    return true
  }

  addUser(args: { user: GraphUser }): GraphUser {
    if (this.users.has(args.user.id)) throw new Error(`a user with id ${args.user.id} exists`)
    this.tenant.users.push(args.user)
    this.users.set(args.user.id, args.user)
    this.#log({ entity: 'user', id: args.user.id })
    return args.user
  }

  updateUser(args: { userId: string; changes: Partial<GraphUser> }): GraphUser {
    const u = this.requireUser(args.userId)
    Object.assign(u, args.changes, { id: u.id })
    this.#log({ entity: 'user', id: u.id })
    return u
  }

  disableUser(args: { userId: string }): GraphUser {
    return this.updateUser({ userId: args.userId, changes: { accountEnabled: false } })
  }

  enableUser(args: { userId: string }): GraphUser {
    return this.updateUser({ userId: args.userId, changes: { accountEnabled: true } })
  }

  /** Soft-deletes a user: gone from lists, `@removed` in delta, and out of every group. */
  deleteUser(args: { userId: string }): boolean {
    this.requireUser(args.userId)
    for (const [groupId, list] of Object.entries(this.tenant.members)) {
      if (list.some((m) => m.id === args.userId)) this.removeGroupMember({ groupId, memberId: args.userId })
    }
    this.users.delete(args.userId)
    const i = this.tenant.users.findIndex((u) => u.id === args.userId)
    this.tenant.users.splice(i, 1)
    this.tenant.appRoleAssignments = this.tenant.appRoleAssignments.filter(
      (a) => a.principalId !== args.userId,
    )
    this.tenant.roleAssignments = this.tenant.roleAssignments.filter((a) => a.principalId !== args.userId)
    this.#log({ entity: 'user', id: args.userId, deleted: true })
    return true
  }

  assignAppRole(args: {
    resourceId: string
    principalId: string
    appRoleId?: string
  }): GraphAppRoleAssignment {
    const resource = this.servicePrincipals.get(args.resourceId)
    if (!resource) throw new Error(`no service principal with id ${JSON.stringify(args.resourceId)}`)
    const type = this.#principalType(args.principalId)
    const appRoleId = args.appRoleId ?? '00000000-0000-0000-0000-000000000000'
    if (
      appRoleId !== '00000000-0000-0000-0000-000000000000' &&
      !resource.appRoles.some((r) => r.id === appRoleId)
    ) {
      throw new Error(`service principal ${resource.id} has no app role ${JSON.stringify(appRoleId)}`)
    }
    const a: GraphAppRoleAssignment = {
      id: Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64url'),
      appRoleId,
      principalId: args.principalId,
      principalType: type === 'user' ? 'User' : type === 'group' ? 'Group' : 'ServicePrincipal',
      principalDisplayName: this.principalName(type, args.principalId) ?? '',
      resourceId: resource.id,
      resourceDisplayName: resource.displayName,
      createdDateTime: this.#dataNow(),
    }
    this.tenant.appRoleAssignments.push(a)
    this.version++
    return a
  }

  removeAppRoleAssignment(args: { id: string }): boolean {
    this.version++
    const before = this.tenant.appRoleAssignments.length
    this.tenant.appRoleAssignments = this.tenant.appRoleAssignments.filter((a) => a.id !== args.id)
    return this.tenant.appRoleAssignments.length < before
  }

  assignDirectoryRole(args: { principalId: string; roleDefinitionId: string }): GraphRoleAssignment {
    this.#principalType(args.principalId)
    if (!this.tenant.roleDefinitions.some((d) => d.id === args.roleDefinitionId)) {
      throw new Error(`no role definition with id ${JSON.stringify(args.roleDefinitionId)}`)
    }
    const r: GraphRoleAssignment = {
      id: randomUUID(),
      principalId: args.principalId,
      roleDefinitionId: args.roleDefinitionId,
      directoryScopeId: '/',
      createdDateTime: this.#dataNow(),
    }
    this.tenant.roleAssignments.push(r)
    this.version++
    return r
  }

  removeDirectoryRole(args: { id: string }): boolean {
    this.version++
    const before = this.tenant.roleAssignments.length
    this.tenant.roleAssignments = this.tenant.roleAssignments.filter((a) => a.id !== args.id)
    return this.tenant.roleAssignments.length < before
  }

  /** Adds a fresh client secret to an application (or service principal) and drops its oldest one. */
  rotateAppSecret(args: { id: string; validDays?: number }): GraphPasswordCredential {
    const owner =
      this.tenant.applications.find((a) => a.id === args.id || a.appId === args.id) ??
      this.tenant.servicePrincipals.find((s) => s.id === args.id)
    if (!owner) throw new Error(`no application or service principal with id ${JSON.stringify(args.id)}`)
    const start = this.#dataNow()
    const cred: GraphPasswordCredential = {
      keyId: randomUUID(),
      displayName: 'rotated by sandbox',
      startDateTime: start,
      endDateTime: new Date(Date.parse(start) + (args.validDays ?? 180) * 86_400_000).toISOString(),
      hint: randomUUID().slice(0, 3),
    }
    owner.passwordCredentials.sort((a, b) => a.startDateTime.localeCompare(b.startDateTime))
    if (owner.passwordCredentials.length > 0) owner.passwordCredentials.shift()
    owner.passwordCredentials.push(cred)
    this.version++
    return cred
  }

  /** Makes every delta token issued so far unusable (410 resync on next use). */
  expireDeltaTokens(): number {
    return ++this.epoch
  }
}

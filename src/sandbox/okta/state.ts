import { randomBytes, randomUUID } from 'node:crypto'
import type { OktaApiToken, OktaLogEvent, OktaRoleAssignment, OktaTenant, OktaUser } from '../state.ts'

const ADMIN_ACTOR = {
  id: '00usandboxadmin00001',
  type: 'User',
  alternateId: 'sandbox-admin',
  displayName: 'Sandbox Admin',
}

/**
 * The Okta tenant as served, with indexes. Every control-handle change updates `lastUpdated` /
 * `lastMembershipUpdated` as Okta does and appends the System Log event Okta would write, so incremental syncs
 * by timestamp and log polling both see it.
 */
export class OktaState {
  readonly tenant: OktaTenant
  readonly users = new Map<string, OktaUser>()
  /** Bumped by every change: cached listings (filtered users, an app's users) are valid while it stands. */
  version = 0
  readonly #memo = new Map<string, { version: number; value: unknown }>()
  readonly #dataNow: () => string

  constructor(tenant: OktaTenant, dataNow: () => string) {
    this.tenant = tenant
    this.#dataNow = dataNow
    for (const u of tenant.users) this.users.set(u.id, u)
  }

  now(): string {
    return this.#dataNow()
  }

  /** A value computed once per state version (a filtered listing that pages read slice by slice). */
  memo<T>(key: string, compute: () => T): T {
    const hit = this.#memo.get(key)
    if (hit && hit.version === this.version) return hit.value as T
    const value = compute()
    if (this.#memo.size > 256) this.#memo.clear()
    this.#memo.set(key, { version: this.version, value })
    return value
  }

  requireUser(id: string): OktaUser {
    const u = this.users.get(id)
    if (!u) throw new Error(`no Okta user with id ${JSON.stringify(id)}`)
    return u
  }

  requireGroup(id: string) {
    const g = this.tenant.groups.find((x) => x.id === id)
    if (!g) throw new Error(`no Okta group with id ${JSON.stringify(id)}`)
    return g
  }

  requireApp(id: string) {
    const a = this.tenant.apps.find((x) => x.id === id)
    if (!a) throw new Error(`no Okta app with id ${JSON.stringify(id)}`)
    return a
  }

  #event(eventType: string, displayMessage: string, target: OktaLogEvent['target']): void {
    this.version++
    this.tenant.logs.push({
      uuid: randomUUID(),
      published: this.#dataNow(),
      eventType,
      displayMessage,
      severity: 'INFO',
      version: '0',
      actor: ADMIN_ACTOR,
      outcome: { result: 'SUCCESS' },
      target,
    })
  }

  #userTarget(u: OktaUser) {
    return {
      id: u.id,
      type: 'User',
      alternateId: u.profile.login,
      displayName: `${u.profile.firstName} ${u.profile.lastName}`,
    }
  }

  addGroupMember(args: { groupId: string; userId: string }): boolean {
    const g = this.requireGroup(args.groupId)
    const u = this.requireUser(args.userId)
    this.tenant.groupMembers[g.id] ??= []
    const list = this.tenant.groupMembers[g.id]
    if (list.includes(u.id)) return false
    list.push(u.id)
    g.lastMembershipUpdated = this.#dataNow()
    this.#event('group.user_membership.add', 'Add user to group membership', [
      this.#userTarget(u),
      { id: g.id, type: 'UserGroup', alternateId: 'unknown', displayName: g.profile.name },
    ])
    return true
  }

  removeGroupMember(args: { groupId: string; userId: string }): boolean {
    const g = this.requireGroup(args.groupId)
    const u = this.requireUser(args.userId)
    const list = this.tenant.groupMembers[g.id] ?? []
    const i = list.indexOf(u.id)
    if (i < 0) return false
    list.splice(i, 1)
    g.lastMembershipUpdated = this.#dataNow()
    this.#event('group.user_membership.remove', 'Remove user from group membership', [
      this.#userTarget(u),
      { id: g.id, type: 'UserGroup', alternateId: 'unknown', displayName: g.profile.name },
    ])
    return true
  }

  assignAppUser(args: { appId: string; userId: string; userName?: string }): boolean {
    const app = this.requireApp(args.appId)
    const u = this.requireUser(args.userId)
    if (this.tenant.appUsers.some((a) => a.appId === app.id && a.userId === u.id)) return false
    const now = this.#dataNow()
    this.tenant.appUsers.push({
      appId: app.id,
      userId: u.id,
      scope: 'USER',
      status: 'PROVISIONED',
      created: now,
      lastUpdated: now,
      credentials: { userName: args.userName ?? u.profile.login },
    })
    this.#event('application.user_membership.add', 'Add user to application membership', [
      this.#userTarget(u),
      { id: app.id, type: 'AppInstance', alternateId: app.label, displayName: app.label },
    ])
    return true
  }

  unassignAppUser(args: { appId: string; userId: string }): boolean {
    const app = this.requireApp(args.appId)
    const u = this.requireUser(args.userId)
    const before = this.tenant.appUsers.length
    this.tenant.appUsers = this.tenant.appUsers.filter((a) => !(a.appId === app.id && a.userId === u.id))
    if (this.tenant.appUsers.length === before) return false
    this.#event('application.user_membership.remove', 'Remove user from application membership', [
      this.#userTarget(u),
      { id: app.id, type: 'AppInstance', alternateId: app.label, displayName: app.label },
    ])
    return true
  }

  assignAppGroup(args: { appId: string; groupId: string; priority?: number }): boolean {
    const app = this.requireApp(args.appId)
    const g = this.requireGroup(args.groupId)
    if (this.tenant.appGroups.some((a) => a.appId === app.id && a.groupId === g.id)) return false
    this.tenant.appGroups.push({
      appId: app.id,
      groupId: g.id,
      priority: args.priority ?? 0,
      lastUpdated: this.#dataNow(),
    })
    this.#event('application.group_membership.add', 'Add assigned group to application', [
      { id: g.id, type: 'UserGroup', alternateId: 'unknown', displayName: g.profile.name },
      { id: app.id, type: 'AppInstance', alternateId: app.label, displayName: app.label },
    ])
    return true
  }

  unassignAppGroup(args: { appId: string; groupId: string }): boolean {
    this.version++
    const before = this.tenant.appGroups.length
    this.tenant.appGroups = this.tenant.appGroups.filter(
      (a) => !(a.appId === args.appId && a.groupId === args.groupId),
    )
    return this.tenant.appGroups.length < before
  }

  assignRole(args: { userId: string; type: string; label?: string }): OktaRoleAssignment {
    const u = this.requireUser(args.userId)
    const now = this.#dataNow()
    const role: OktaRoleAssignment = {
      id: `ra${randomBytes(9).toString('hex')}`,
      userId: u.id,
      label: args.label ?? args.type,
      type: args.type,
      status: 'ACTIVE',
      created: now,
      lastUpdated: now,
      assignmentType: 'USER',
    }
    this.tenant.roles.push(role)
    this.#event('user.account.privilege.grant', 'Grant user privilege', [this.#userTarget(u)])
    return role
  }

  removeRole(args: { id: string }): boolean {
    this.version++
    const before = this.tenant.roles.length
    this.tenant.roles = this.tenant.roles.filter((r) => r.id !== args.id)
    return this.tenant.roles.length < before
  }

  #setStatus(userId: string, status: OktaUser['status'], eventType: string, message: string): OktaUser {
    const u = this.requireUser(userId)
    const now = this.#dataNow()
    u.status = status
    u.statusChanged = now
    u.lastUpdated = now
    this.#event(eventType, message, [this.#userTarget(u)])
    return u
  }

  /** "Disable" in Okta terms: deactivate, which makes the user DEPROVISIONED. */
  deactivateUser(args: { userId: string }): OktaUser {
    return this.#setStatus(args.userId, 'DEPROVISIONED', 'user.lifecycle.deactivate', 'Deactivate Okta user')
  }

  suspendUser(args: { userId: string }): OktaUser {
    return this.#setStatus(args.userId, 'SUSPENDED', 'user.lifecycle.suspend', 'Suspend Okta user')
  }

  activateUser(args: { userId: string }): OktaUser {
    return this.#setStatus(args.userId, 'ACTIVE', 'user.lifecycle.activate', 'Activate Okta user')
  }

  updateUser(args: { userId: string; profile: Partial<OktaUser['profile']> }): OktaUser {
    const u = this.requireUser(args.userId)
    Object.assign(u.profile, args.profile)
    u.lastUpdated = this.#dataNow()
    this.#event('user.account.update_profile', 'Update user profile for Okta', [this.#userTarget(u)])
    return u
  }

  addUser(args: { user: OktaUser }): OktaUser {
    if (this.users.has(args.user.id)) throw new Error(`an Okta user with id ${args.user.id} exists`)
    this.tenant.users.push(args.user)
    this.users.set(args.user.id, args.user)
    this.#event('user.lifecycle.create', 'Create Okta user', [this.#userTarget(args.user)])
    return args.user
  }

  /** Revokes an API token (as an admin does in the console); it disappears from `/api/v1/api-tokens`. */
  revokeApiToken(args: { id: string }): boolean {
    this.version++
    const before = this.tenant.apiTokens.length
    this.tenant.apiTokens = this.tenant.apiTokens.filter((t) => t.id !== args.id)
    return this.tenant.apiTokens.length < before
  }

  createApiToken(args: { name: string; userId: string; validDays?: number }): OktaApiToken {
    this.requireUser(args.userId)
    const now = this.#dataNow()
    const token: OktaApiToken = {
      id: `00T${randomBytes(9).toString('hex').slice(0, 17)}`,
      name: args.name,
      userId: args.userId,
      clientName: 'Okta API',
      created: now,
      lastUpdated: now,
      expiresAt: new Date(Date.parse(now) + (args.validDays ?? 30) * 86_400_000).toISOString(),
      tokenWindow: `P${args.validDays ?? 30}D`,
      network: { connection: 'ANYWHERE' },
    }
    this.tenant.apiTokens.push(token)
    this.version++
    return token
  }
}

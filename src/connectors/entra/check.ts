import { HttpError } from '../http/errors.ts'
import type { CheckContext, CheckItem } from '../types.ts'
import { createGraphClient } from './client.ts'
import type { EntraConfig } from './config.ts'

interface PermissionProbe {
  permission: string
  what: string
  /** A cheap request that needs the permission; `groupId` is a group the tenant has, when one is needed. */
  path(groupId: string | undefined): string | undefined
}

/** What each stream needs, probed with the smallest request that proves it. */
const PROBES: PermissionProbe[] = [
  { permission: 'User.Read.All', what: 'read users', path: () => '/users?$top=1&$select=id' },
  { permission: 'Group.Read.All', what: 'read groups', path: () => '/groups?$top=1&$select=id' },
  {
    permission: 'GroupMember.Read.All',
    what: 'read group memberships',
    path: (g) => (g ? `/groups/${g}/members?$top=1&$select=id` : undefined),
  },
  {
    permission: 'Application.Read.All',
    what: 'read service principals, applications and app role assignments',
    path: () => '/servicePrincipals?$top=1&$select=id',
  },
  {
    permission: 'RoleManagement.Read.Directory',
    what: 'read directory role definitions and assignments',
    path: () => '/roleManagement/directory/roleAssignments?$top=1',
  },
]

/**
 * `accord check` for Entra: can we get a token, and does it carry each application permission the streams
 * need? A missing one says exactly what to grant.
 */
export async function checkEntra(config: EntraConfig, ctx: CheckContext): Promise<CheckItem[]> {
  const graph = createGraphClient(config, ctx.logger)
  try {
    return await probe(graph, config, ctx)
  } finally {
    graph.close()
  }
}

async function probe(
  { http, auth }: ReturnType<typeof createGraphClient>,
  config: EntraConfig,
  ctx: CheckContext,
): Promise<CheckItem[]> {
  const items: CheckItem[] = []
  try {
    const t = await auth.acquire(ctx.signal)
    items.push({
      name: 'token',
      ok: true,
      detail: `client ${config.clientId} got a token from ${config.authorityHost}${t.expiresOn ? ` (expires ${t.expiresOn.toISOString()})` : ''}`,
    })
  } catch (e) {
    items.push({
      name: 'token',
      ok: false,
      detail: e instanceof Error ? e.message : String(e),
      fix: `check tenantId, clientId and the ${config.clientSecret ? 'client secret' : 'certificate'} of the app registration, and that it is not expired`,
    })
    return items
  }
  let groupId: string | undefined
  const probes = config.pim
    ? [
        ...PROBES,
        {
          permission: 'RoleEligibilitySchedule.Read.Directory',
          what: 'read eligible (PIM) role assignments',
          path: () => '/roleManagement/directory/roleEligibilitySchedules?$top=1',
        },
      ]
    : PROBES
  for (const p of probes) {
    const path = p.path(groupId)
    if (!path) {
      const listed = items.some((i) => i.name === 'Group.Read.All' && i.ok)
      items.push({
        name: p.permission,
        ok: listed,
        detail: listed
          ? 'not probed: the tenant has no group to list members of'
          : 'not probed: no group could be listed to read its members',
        ...(listed ? {} : { fix: 'grant Group.Read.All (or GroupMember.Read.All) and check again' }),
      })
      continue
    }
    try {
      const res = await http.request<{ value?: { id?: string }[] }>(path, { signal: ctx.signal })
      if (p.permission === 'Group.Read.All') groupId = res.data?.value?.[0]?.id
      items.push({ name: p.permission, ok: true, detail: `can ${p.what}` })
    } catch (e) {
      const denied = e instanceof HttpError && (e.status === 403 || e.status === 401)
      items.push({
        name: p.permission,
        ok: false,
        detail: denied
          ? `cannot ${p.what}: ${e.vendorCode ?? e.status}`
          : e instanceof Error
            ? e.message
            : String(e),
        ...(denied
          ? {
              fix: `grant the Microsoft Graph application permission ${p.permission} to app registration ${config.clientId} and grant admin consent`,
            }
          : {}),
      })
    }
  }
  return items
}

import type { HttpClient } from '../http/client.ts'
import type { RequestStats } from '../http/stats.ts'
import { JiraFieldList } from './schema.ts'

/** A field id as written in a map (`summary`, `customfield_10071`); anything else is a display name. */
const FIELD_ID = /^[a-z][A-Za-z0-9_]*$/

/** Whether a map path names a field by display name (`fields["Beneficiary email"]`), needing the field list. */
export function needsFieldCatalog(paths: readonly (readonly string[])[]): boolean {
  return paths.some((p) => p[0] === 'fields' && p[1] !== undefined && !FIELD_ID.test(p[1]))
}

/** Display name → id, from `/rest/api/3/field`. Names that several fields share are refused as ambiguous. */
export async function loadFieldCatalog(
  http: HttpClient,
  req: { signal: AbortSignal; stats?: RequestStats },
): Promise<Map<string, string[]>> {
  const list = await http.getJson('/rest/api/3/field', JiraFieldList, req)
  const byName = new Map<string, string[]>()
  for (const f of list) byName.set(f.name, [...(byName.get(f.name) ?? []), f.id])
  return byName
}

/** Rewrites `fields.<display name>` to `fields.<id>`; throws naming the field when it is unknown or ambiguous. */
export function rewriteFieldPath(segments: string[], catalog: Map<string, string[]> | null): string[] {
  if (segments[0] !== 'fields' || segments[1] === undefined || FIELD_ID.test(segments[1])) return segments
  const ids = catalog?.get(segments[1]) ?? []
  if (ids.length === 0) throw new Error(`Jira has no field named ${JSON.stringify(segments[1])}`)
  if (ids.length > 1)
    throw new Error(
      `several Jira fields are named ${JSON.stringify(segments[1])} (${ids.join(', ')}): name it by id instead`,
    )
  return ['fields', ids[0]!, ...segments.slice(2)]
}

/** System fields the connector reads whatever the map says. */
export const BASE_FIELDS = [
  'summary',
  'status',
  'resolution',
  'reporter',
  'created',
  'updated',
  'resolutiondate',
]

/** The explicit `fields` of the search: search returns only ids otherwise. */
export function searchFields(paths: readonly (readonly string[])[]): string[] {
  const out = new Set(BASE_FIELDS)
  for (const p of paths) if (p[0] === 'fields' && p[1]) out.add(p[1])
  return [...out]
}

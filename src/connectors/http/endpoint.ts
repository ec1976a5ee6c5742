/**
 * A low-cardinality label for request accounting: the method and the path with ids replaced, so
 * `/groups/4f1c…/members` and `/groups/9a2b…/members` count as one endpoint.
 */
export function endpointLabel(method: string, url: URL, basePath: string): string {
  let path = url.pathname
  const base = basePath.replace(/\/+$/, '')
  if (base && path.startsWith(base)) path = path.slice(base.length) || '/'
  return `${method.toUpperCase()} ${path.split('/').map(normaliseSegment).join('/')}`
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function normaliseSegment(segment: string): string {
  if (!segment) return segment
  // OData key segments: servicePrincipals(appId='…')
  const odataKey = /^([A-Za-z]+)\(.*\)$/.exec(segment)
  if (odataKey) return `${odataKey[1]}(…)`
  if (GUID.test(segment) || /^\d+$/.test(segment)) return '{id}'
  // ServiceNow sys_ids (32 hex), Jira keys (ABC-123), Okta ids (00u1abc…).
  if (/^[0-9a-f]{32}$/i.test(segment) || /^[A-Z][A-Z0-9]+-\d+$/.test(segment)) return '{id}'
  if (segment.length >= 12 && /\d/.test(segment) && /[a-z]/i.test(segment) && !segment.includes('.'))
    return '{id}'
  return segment
}

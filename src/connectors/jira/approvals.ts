import type { HttpClient } from '../http/client.ts'
import type { RequestStats } from '../http/stats.ts'
import { type JsmApproval, JsmApprovalPage } from './schema.ts'

const LIMIT = 50

/**
 * A request's approvals, following JSM's offset paging (`start`, `limit`, `isLastPage`). An issue that is not a
 * service-desk request answers 404: it has no approvals, which is not an error.
 */
export async function readApprovals(
  http: HttpClient,
  issueKey: string,
  req: { signal: AbortSignal; stats?: RequestStats },
): Promise<JsmApproval[]> {
  const out: JsmApproval[] = []
  for (let start = 0; ; ) {
    const res = await http.request(`/rest/servicedeskapi/request/${encodeURIComponent(issueKey)}/approval`, {
      params: { start, limit: LIMIT },
      acceptStatus: [404],
      signal: req.signal,
      stats: req.stats,
      endpoint: 'GET /rest/servicedeskapi/request/{key}/approval',
    })
    if (res.status === 404) return out
    const page = JsmApprovalPage.safeParse(res.data)
    if (!page.success) throw new Error(`JSM approvals of ${issueKey}: unexpected response shape`)
    out.push(...page.data.values)
    if (page.data.isLastPage || page.data.values.length === 0) return out
    start += page.data.values.length
  }
}

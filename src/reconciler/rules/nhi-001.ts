import type { RunContext } from '../context.ts'
import type { Emit } from '../draft.ts'
import { compileGlob } from '../selectors.ts'
import type { RuleDef } from './rule.ts'

export const rule: RuleDef = {
  id: 'NHI-001',
  summary: 'Non-human identity without an owner',
  attachesTo: 'nhi',
  severity: 'medium',
  ocsfType: 'nhi_without_owner',
  control: 'OWASP NHI; NIST AC-2',
  remediation:
    'Assign an owner in the identity provider (service principal or app registration owners), or name one in ' +
    'the policy (`nhi.owners`), so someone answers for its credentials and access.',
}

export function run(ctx: RunContext, emit: Emit): void {
  if (!ctx.policy.nhi.ownerRequired) return
  const byKey = new Map<string, string[]>()
  const byName: { match: (t: string) => boolean; owners: string[] }[] = []
  for (const [k, owners] of Object.entries(ctx.policy.nhi.owners)) {
    if (/^[^:*?]+:[^*?]+$/.test(k)) byKey.set(k, owners)
    else byName.push({ match: compileGlob(k), owners })
  }
  ctx.snap.identities.forEach((id) => {
    const subject = ctx.snap.subjects[id.subject]!
    if (subject.kind !== 'nhi' || id.owners.length > 0) return
    if (byKey.get(subject.key)?.length) return
    if (id.displayName && byName.some((n) => n.owners.length > 0 && n.match(id.displayName!))) return
    emit({
      rule: 'NHI-001',
      subject: id.subject,
      ent: -1,
      ticket: -1,
      grant: -1,
      title: `${id.displayName ?? id.externalId} (${id.source}) has no owner`,
      evidence: {
        why: 'no owner from the vendor and none in the policy (nhi.owners)',
        kind: id.kind,
        displayName: id.displayName,
      },
      deps: [ctx.snap.streams[id.stream]!],
    })
  })
}

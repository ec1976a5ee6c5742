import type { RunContext } from '../context.ts'
import type { Emit } from '../draft.ts'
import { recKey } from '../snapshot.ts'
import type { RuleDef } from './rule.ts'

export const rule: RuleDef = {
  id: 'NHI-003',
  summary: 'NHI credential expired, or older than the rotation policy',
  attachesTo: 'credential',
  severity: 'high',
  ocsfType: 'nhi_stale_credential',
  control: 'OWASP NHI; NIST IA-5',
  remediation:
    'Rotate the credential (issue a new secret or certificate, move the workload to it, delete the old one); ' +
    'delete expired credentials that nothing uses.',
}

export function run(ctx: RunContext, emit: Emit): void {
  const maxAge = ctx.policy.nhi.maxCredentialAgeDays * 86_400_000
  for (const c of ctx.snap.credentials) {
    const i = ctx.snap.identityIndex.get(recKey(c.source, c.identityId))
    if (i === undefined) continue
    const id = ctx.snap.identities[i]!
    const expired = c.expiresAt !== null && c.expiresAt < ctx.now
    const old = c.createdAt !== null && c.createdAt < ctx.now - maxAge
    if (!expired && !old) continue
    const why = expired
      ? `expired at ${new Date(c.expiresAt!).toISOString()}`
      : `created at ${new Date(c.createdAt!).toISOString()}, more than ${ctx.policy.nhi.maxCredentialAgeDays} days ago`
    emit({
      rule: 'NHI-003',
      subject: id.subject,
      ent: -1,
      ticket: -1,
      grant: -1,
      credentialKeyId: c.keyId,
      title: `${c.type} ${c.displayName ?? c.keyId} of ${id.displayName ?? id.externalId} ${why}`,
      evidence: {
        why,
        keyId: c.keyId,
        type: c.type,
        createdAt: c.createdAt === null ? null : new Date(c.createdAt).toISOString(),
        expiresAt: c.expiresAt === null ? null : new Date(c.expiresAt).toISOString(),
        maxAgeDays: ctx.policy.nhi.maxCredentialAgeDays,
      },
      deps: [ctx.snap.streams[c.stream]!, ctx.snap.streams[id.stream]!],
    })
  }
}

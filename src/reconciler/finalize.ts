import { createHash } from 'node:crypto'
import type { Policy } from '../config/policy.ts'
import type {
  FindingEntitlement,
  FindingIdentity,
  FindingStatus,
  FindingTicketRef,
} from '../model/finding.ts'
import type { RuleId } from '../model/rule-id.ts'
import { raiseSeverity, type Severity } from '../model/severity.ts'
import { type RunContext, selectable } from './context.ts'
import type { Draft } from './draft.ts'
import { fingerprint } from './fingerprint.ts'
import { RULES, UNCOVERED_FAMILY } from './rules/index.ts'
import { compileGlob, compileSelector, type SelectableEntitlement } from './selectors.ts'

/** A finding as this run sees it: what lifecycle compares with the stored one. */
export interface Candidate {
  id: string
  rule: RuleId
  severity: Severity
  status: Exclude<FindingStatus, 'resolved'>
  identity: FindingIdentity | null
  entitlement: FindingEntitlement | null
  ticket: FindingTicketRef | null
  credentialKeyId: string | null
  title: string
  evidence: Record<string, unknown>
  deps: string[]
  /** Hash of severity, title and evidence: a change is an `updated` event. */
  material: string
  suppressedUntil: Date | null
  /** What suppresses it, in words. */
  suppressedBy: string | null
  grant: number
}

export interface ActiveSuppression {
  pattern: string
  reason: string
  ticket: string | null
  until: Date | null
}

interface CompiledException {
  label: string
  fingerprint?: string
  rule?: RuleId
  identity?: (k: string) => boolean
  entitlement?: (e: SelectableEntitlement) => boolean
  until: Date | null
}

/**
 * Settles each draft: its JSON parts (DESIGN section 11), fingerprint, severity (the rule's, the policy's
 * override, one level up on a privileged entitlement) and status (open, or suppressed by an active exception
 * or suppression). Drafts with the same fingerprint collapse into one.
 */
export function finalize(
  ctx: RunContext,
  drafts: readonly Draft[],
  suppressions: readonly ActiveSuppression[],
): Map<string, Candidate> {
  const { snap, policy } = ctx
  const exceptions = compileExceptions(ctx, policy)
  const supp = suppressions.map((s) => ({ ...s, match: compileGlob(s.pattern) }))
  const out = new Map<string, Candidate>()
  for (const d of drafts) {
    const identity: FindingIdentity | null =
      d.identity !== undefined
        ? d.identity
        : d.subject >= 0
          ? { key: snap.subjects[d.subject]!.key, kind: snap.subjects[d.subject]!.kind }
          : null
    const e = d.ent >= 0 ? snap.entitlements[d.ent]! : null
    const entitlement: FindingEntitlement | null = e
      ? { source: e.source, type: e.type, externalId: e.externalId, name: e.name }
      : d.target
        ? { source: d.target.source, type: null, externalId: null, name: d.target.text }
        : null
    const t = d.ticket >= 0 ? ctx.tickets[d.ticket]!.t : null
    const ticket = t ? { source: t.source, key: t.key } : null
    const id = fingerprint({
      rule: d.rule,
      subject: identity?.key ?? null,
      entitlement: e
        ? { source: e.source, id: e.externalId }
        : d.target
          ? { source: d.target.source, id: d.target.text }
          : null,
      ticket,
      credentialKeyId: d.credentialKeyId ?? null,
    })
    if (out.has(id)) continue
    let severity = policy.rules[d.rule]?.severity ?? RULES[d.rule].severity
    if (d.ent >= 0 && ctx.privileged[d.ent]) severity = raiseSeverity(severity)
    const evidence = { ...d.evidence, ...context(ctx, d) }
    let status: Candidate['status'] = 'open'
    let suppressedBy: string | null = null
    let suppressedUntil: Date | null = null
    const sel: SelectableEntitlement | null = entitlement
      ? {
          source: entitlement.source,
          type: entitlement.type,
          externalId: entitlement.externalId,
          name: entitlement.name,
        }
      : null
    for (const x of exceptions) {
      if (!matchesException(x, id, d.rule, identity, sel)) continue
      status = 'suppressed'
      suppressedBy = x.label
      suppressedUntil = x.until
      break
    }
    if (status === 'open') {
      for (const s of supp) {
        if (s.pattern !== id && !s.match(id)) continue
        status = 'suppressed'
        suppressedBy = `suppressed: ${s.reason}${s.ticket ? ` (${s.ticket})` : ''}`
        suppressedUntil = s.until
        break
      }
    }
    if (suppressedBy) evidence.suppressedBy = suppressedBy
    const title = d.title
    out.set(id, {
      id,
      rule: d.rule,
      severity,
      status,
      identity,
      entitlement,
      ticket,
      credentialKeyId: d.credentialKeyId ?? null,
      title,
      evidence,
      deps: [...new Set(d.deps)].sort(),
      material: createHash('sha1')
        .update(JSON.stringify([severity, title, evidence]))
        .digest('hex'),
      suppressedUntil,
      suppressedBy,
      grant: d.grant,
    })
  }
  return out
}

function compileExceptions(ctx: RunContext, policy: Policy): CompiledException[] {
  const now = ctx.now
  return policy.exceptions
    .filter((x) => !x.expires || x.expires.getTime() > now)
    .map((x) => {
      const idText = x.identity
      const idGlob =
        idText === undefined
          ? undefined
          : compileGlob(/[*?]/.test(idText) ? idText.toLowerCase() : ctx.keyer(idText))
      const rawGlob = idText === undefined ? undefined : compileGlob(idText)
      return {
        label: `exception: ${x.reason}${x.ticket ? ` (${x.ticket})` : ''}`,
        fingerprint: x.fingerprint,
        rule: x.rule,
        identity: idGlob && rawGlob ? (k: string) => idGlob(k) || rawGlob(k) : undefined,
        entitlement: x.entitlement ? compileSelector(x.entitlement) : undefined,
        until: x.expires ?? null,
      }
    })
}

function matchesException(
  x: CompiledException,
  id: string,
  rule: RuleId,
  identity: FindingIdentity | null,
  ent: SelectableEntitlement | null,
): boolean {
  if (x.fingerprint !== undefined) return x.fingerprint === id
  // An ACC-001 exception covers the grant: whichever "not covered" rule would win on it is suppressed.
  if (x.rule !== undefined && x.rule !== rule && !(x.rule === 'ACC-001' && UNCOVERED_FAMILY.has(rule)))
    return false
  if (x.identity && !(identity && x.identity(identity.key))) return false
  if (x.entitlement && !(ent && x.entitlement(ent))) return false
  return true
}

/** What a direct grant confers (nested groups, what is assigned to the group), by name; at most 25. */
export function conferredNames(ctx: RunContext, ent: number): string[] {
  const c = ctx.holding.conferred(ent)
  const names = c.slice(0, 25).map((e) => ctx.snap.entitlements[e]!.name)
  return c.length > 25 ? [...names, `… ${c.length - 25} more`] : names
}

/** The records behind a finding, in values: the grant and the ticket, as an auditor reads them. */
function context(ctx: RunContext, d: Draft): Record<string, unknown> {
  const { snap } = ctx
  const out: Record<string, unknown> = {}
  if (d.grant >= 0) {
    const g = snap.grants
    const id = snap.identities[g.principal[d.grant]!]!
    const e = snap.entitlements[g.ent[d.grant]!]!
    out.grant = {
      source: id.source,
      principalType: 'identity',
      principalId: id.externalId,
      account: id.email ?? id.upn ?? id.login ?? id.displayName,
      identityStatus: id.status,
      entitlementId: e.externalId,
      entitlement: e.name,
      entitlementType: e.type,
      privileged: ctx.privileged[g.ent[d.grant]!] === 1,
      grantedAt: Number.isNaN(g.grantedAt[d.grant]!) ? null : new Date(g.grantedAt[d.grant]!).toISOString(),
      firstSeen: new Date(g.firstSeen[d.grant]!).toISOString(),
      // Inherited access raises nothing of its own: it is part of this grant's evidence.
      confers: conferredNames(ctx, g.ent[d.grant]!),
    }
  }
  if (d.ticket >= 0) {
    const info = ctx.tickets[d.ticket]!
    const t = info.t
    const iso = (v: number | null) => (v === null ? null : new Date(v).toISOString())
    out.ticketRecord = {
      source: t.source,
      key: t.key,
      url: t.url,
      kind: t.kind,
      state: t.state,
      approval: t.approval,
      requester: t.requester,
      beneficiary: t.beneficiary,
      targets: t.targets,
      createdAt: iso(t.createdAt),
      approvedAt: iso(info.approvedAt),
      closedAt: iso(t.closedAt),
      expiresAt: iso(t.expiresAt),
      approvals: t.approvals.map((a) => ({
        approver: a.approver,
        decision: a.decision,
        decidedAt: iso(a.decidedAt),
      })),
    }
  }
  if (d.ent >= 0 && d.grant < 0) {
    const e = snap.entitlements[d.ent]!
    out.entitlementRecord = {
      ...selectable(e),
      resource: e.resource,
      privileged: ctx.privileged[d.ent] === 1,
    }
  }
  return out
}

import picomatch from 'picomatch'
import type { EntitlementSelector, PolicyInput } from '../../config/policy.ts'
import type { EntitlementType } from '../../model/entitlement.ts'
import { ALIAS_DOMAIN, COMPANY_DOMAIN } from './catalog.ts'

/**
 * The policy the planted findings assume. Selectors here are the only place privilege, birthright, SoD and
 * approver authority are decided, and the generator asks the same selectors (`matches`) when it plants, so
 * the manifest and the policy cannot disagree.
 */

export interface EntRef {
  source: string
  type: EntitlementType
  externalId: string
  name: string
  /** As the vendor reports it (directory and admin roles). */
  vendorPrivileged: boolean
}

export const APPROVERS = {
  cfo: `cfo@${COMPANY_DOMAIN}`,
  controller: `finance.controller@${COMPANY_DOMAIN}`,
  ciso: `ciso@${COMPANY_DOMAIN}`,
  iamLead: `iam.lead@${COMPANY_DOMAIN}`,
} as const

export const PRIVILEGED: EntitlementSelector[] = [{ name: '*Admin*' }, { type: 'directory_role' }]
export const BIRTHRIGHT: EntitlementSelector[] = [{ name: 'All Employees' }, { name: 'Dept-*' }]
export const LAB_EXCEPTION: EntitlementSelector = { source: 'entra', name: 'Lab-*' }

export const SOD_SETS: { name: string; entitlements: EntitlementSelector[] }[] = [
  {
    name: 'pay-and-approve',
    entitlements: [
      { source: 'entra', name: 'Payroll:Payments-Create' },
      { source: 'entra', name: 'Payroll:Payments-Approve' },
    ],
  },
  {
    name: 'change-own-code',
    entitlements: [
      { source: 'entra', name: 'GitHub:Owner' },
      { source: 'okta', name: 'Change Advisory Board' },
    ],
  },
]

export const APPROVER_RULES: { entitlements: EntitlementSelector[]; approvers: string[] }[] = [
  { entitlements: [{ type: 'directory_role' }], approvers: [APPROVERS.ciso, APPROVERS.iamLead] },
  {
    entitlements: [{ name: 'Payroll:*' }, { name: 'Finance-*' }],
    approvers: [APPROVERS.cfo, APPROVERS.controller],
  },
]

const globs = new Map<string, (name: string) => boolean>()
function glob(pattern: string): (name: string) => boolean {
  const known = globs.get(pattern)
  if (known) return known
  const m = picomatch(pattern, { nocase: true, dot: true })
  globs.set(pattern, m)
  return m
}

export function matches(sel: EntitlementSelector, e: EntRef): boolean {
  if (sel.source && sel.source !== e.source) return false
  if (sel.type && sel.type !== e.type) return false
  if (sel.id && sel.id !== e.externalId) return false
  if (sel.name && !glob(sel.name)(e.name)) return false
  return true
}

export function isPrivileged(e: EntRef): boolean {
  return e.vendorPrivileged || PRIVILEGED.some((s) => matches(s, e))
}

export function isBirthright(e: EntRef): boolean {
  return BIRTHRIGHT.some((s) => matches(s, e))
}

const approverCache = new WeakMap<EntRef, readonly string[] | null>()

/** The approver keys that have authority over `e`, or null when anyone has. */
export function requiredApprovers(e: EntRef): readonly string[] | null {
  const known = approverCache.get(e)
  if (known !== undefined) return known
  let found: readonly string[] | null = null
  for (const rule of APPROVER_RULES) {
    if (rule.entitlements.some((s) => matches(s, e))) {
      found = rule.approvers
      break
    }
  }
  approverCache.set(e, found)
  return found
}

export interface PolicyExtras {
  baseline: { identity: string; name: string }[]
  /** `source:externalId` -> owner person keys. */
  nhiOwners: Record<string, string[]>
}

export function scenarioPolicy(extras: PolicyExtras, now: string): PolicyInput {
  return {
    privileged: PRIVILEGED,
    birthright: BIRTHRIGHT,
    sod: SOD_SETS,
    approvers: APPROVER_RULES,
    identities: { domainAliases: { [ALIAS_DOMAIN]: COMPANY_DOMAIN }, aliases: {} },
    nhi: {
      ownerRequired: true,
      maxCredentialAgeDays: 365,
      owners: {
        // Managed identities have no owners in Entra; the platform team owns the ones named like this.
        'mi-*': [`platform.team@${COMPANY_DOMAIN}`],
        // Okta API service apps are owned through this map too.
        'svc-okta-*': [APPROVERS.iamLead],
        ...extras.nhiOwners,
      },
      includeMicrosoftFirstParty: false,
    },
    grace: { fulfilment: '24h', revocation: '4h', expiry: '1h' },
    tolerance: '5m',
    baseline: extras.baseline.map((b) => ({
      identity: b.identity,
      entitlement: { source: 'entra', name: b.name },
      acceptedBy: APPROVERS.iamLead,
      acceptedAt: new Date(Date.parse(now) - 30 * 86_400_000).toISOString(),
    })),
    exceptions: [
      {
        rule: 'ACC-001',
        entitlement: LAB_EXCEPTION,
        reason: 'Lab groups are throwaway sandboxes, reviewed quarterly',
        ticket: 'ACCESS-1',
        expires: new Date(Date.parse(now) + 90 * 86_400_000).toISOString(),
      },
    ],
    rules: { 'NHI-002': { severity: 'low' } },
  }
}

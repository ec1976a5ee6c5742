import { z } from 'zod'
import { Duration } from '../core/duration.ts'
import { EntitlementType } from '../model/entitlement.ts'
import { RuleId } from '../model/rule-id.ts'
import { Severity } from '../model/severity.ts'

/**
 * Picks entitlements: by source (connector id), type, name glob (case-insensitive) and/or external id.
 * Every given field must match.
 */
export const EntitlementSelector = z
  .strictObject({
    source: z.string().optional(),
    type: EntitlementType.optional(),
    name: z.string().optional(),
    id: z.string().optional(),
  })
  .refine((s) => s.source || s.type || s.name || s.id, {
    message: 'expected at least one of source, type, name, id',
  })
export type EntitlementSelector = z.infer<typeof EntitlementSelector>

const Timestamp = z.iso.datetime({ offset: true }).transform((s) => new Date(s))

export const Policy = z.strictObject({
  /** Entitlements whose findings are raised one severity level. Vendor-privileged ones count already. */
  privileged: z.array(EntitlementSelector).default([]),
  /** Entitlements everyone may hold without a ticket. */
  birthright: z.array(EntitlementSelector).default([]),
  /** Separation of duties: holding all entitlements of a set (symmetric) is a conflict. */
  sod: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        entitlements: z.array(EntitlementSelector).min(2),
      }),
    )
    .default([]),
  /** Who may approve what. Where an entitlement matches no entry, any approver has authority. */
  approvers: z
    .array(
      z.strictObject({
        entitlements: z.array(EntitlementSelector).min(1),
        /** Person keys (emails) or globs of them. */
        approvers: z.array(z.string().min(1)).min(1),
      }),
    )
    .default([]),
  identities: z
    .strictObject({
      /** Alias domain -> canonical domain (`contoso.onmicrosoft.com: contoso.com`). */
      domainAliases: z.record(z.string(), z.string()).default({}),
      /** Explicit person aliases: alias (email/login) -> canonical person key. */
      aliases: z.record(z.string(), z.string()).default({}),
    })
    .default({ domainAliases: {}, aliases: {} }),
  nhi: z
    .strictObject({
      ownerRequired: z.boolean().default(true),
      maxCredentialAgeDays: z.int().positive().default(365),
      /** `source:externalId` or a display-name glob -> owner person keys. */
      owners: z.record(z.string(), z.array(z.string())).default({}),
      includeMicrosoftFirstParty: z.boolean().default(false),
    })
    .default({
      ownerRequired: true,
      maxCredentialAgeDays: 365,
      owners: {},
      includeMicrosoftFirstParty: false,
    }),
  grace: z
    .strictObject({
      fulfilment: Duration.default(24 * 3_600_000),
      revocation: Duration.default(4 * 3_600_000),
      expiry: Duration.default(3_600_000),
    })
    .default({ fulfilment: 24 * 3_600_000, revocation: 4 * 3_600_000, expiry: 3_600_000 }),
  /** A ticket may be created this long after the grant and still cover it. */
  tolerance: Duration.default(5 * 60_000),
  /** Grants accepted as the starting point (also recorded by `accord baseline accept`). */
  baseline: z
    .array(
      z.strictObject({
        identity: z.string().min(1),
        entitlement: EntitlementSelector,
        acceptedBy: z.string().min(1),
        acceptedAt: Timestamp,
      }),
    )
    .default([]),
  exceptions: z
    .array(
      z
        .strictObject({
          fingerprint: z.string().optional(),
          rule: RuleId.optional(),
          identity: z.string().optional(),
          entitlement: EntitlementSelector.optional(),
          reason: z.string().min(1),
          ticket: z.string().optional(),
          expires: Timestamp.optional(),
        })
        .refine((e) => e.fingerprint || e.rule || e.identity || e.entitlement, {
          message: 'expected a fingerprint, or a pattern of rule, identity and/or entitlement',
        }),
    )
    .default([]),
  rules: z
    .partialRecord(
      RuleId,
      z.strictObject({ enabled: z.boolean().default(true), severity: Severity.optional() }),
    )
    .default({}),
})
export type Policy = z.infer<typeof Policy>
export type PolicyInput = z.input<typeof Policy>

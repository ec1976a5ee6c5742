import { z } from 'zod'
import { TicketKind, TicketState, Verdict } from '../model/ticket.ts'
import { parseFieldPath } from './field-path.ts'

const FieldPath = z.string().superRefine((path, ctx) => {
  try {
    parseFieldPath(path)
  } catch (e) {
    ctx.addIssue({
      code: 'custom',
      message: `not a field path (${(e as Error).message}): ${JSON.stringify(path)}`,
    })
  }
})

/**
 * How one normalised ticket field is read from the vendor record: `from` a dotted path, vendor `values`
 * mapped to accord's (unmapped ones fall to `default`, else the ticket is unmappable), `split` for strings
 * holding lists, `date` when the vendor's value carries no zone.
 */
export const FieldMap = z.strictObject({
  from: FieldPath,
  values: z.record(z.string(), z.string()).optional(),
  default: z.string().optional(),
  split: z.string().min(1).optional(),
  date: z
    .strictObject({
      /** Tokens: yyyy MM dd HH mm ss (e.g. "dd/MM/yyyy HH:mm"). */
      format: z.string().min(1),
      /** An IANA zone ("Europe/Paris") or "UTC". */
      zone: z.string().default('UTC'),
    })
    .optional(),
})
export type FieldMap = z.infer<typeof FieldMap>

function enumValues(allowed: readonly string[]) {
  return (m: FieldMap | undefined, ctx: z.RefinementCtx) => {
    if (!m) return
    const check = (v: string, where: (string | number)[]) => {
      if (!allowed.includes(v)) {
        ctx.addIssue({
          code: 'custom',
          path: where,
          message: `expected one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`,
        })
      }
    }
    for (const [k, v] of Object.entries(m.values ?? {})) check(v, ['values', k])
    if (m.default !== undefined) check(m.default, ['default'])
  }
}

/**
 * The ticket mapping (`tickets.map`). A minimal map names only `kind`, `beneficiary` and `targets`; every
 * other field has a connector default where the vendor has an obvious source.
 */
export const TicketMap = z.strictObject({
  kind: FieldMap.superRefine(enumValues(TicketKind.options)),
  beneficiary: FieldMap,
  targets: FieldMap,
  system: FieldMap.optional(),
  state: FieldMap.optional().superRefine(enumValues(TicketState.options)),
  approval: FieldMap.optional().superRefine(enumValues(Verdict.options)),
  requester: FieldMap.optional(),
  justification: FieldMap.optional(),
  expiresAt: FieldMap.optional(),
  key: FieldMap.optional(),
  url: FieldMap.optional(),
  createdAt: FieldMap.optional(),
  updatedAt: FieldMap.optional(),
  closedAt: FieldMap.optional(),
})
export type TicketMap = z.infer<typeof TicketMap>

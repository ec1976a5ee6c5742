import { z } from 'zod'

/**
 * Raw Table API shapes (vendor-apis.md section 1). Every value is a string ("" for empty); a reference field is
 * `{link, value}`, a plain sys_id (with `sysparm_exclude_reference_link=true`) or "" when empty; with display
 * values it is `{display_value, value, link?}`. Parse defensively: a field can be a string or an object.
 */
export const SnField = z.union([
  z.string(),
  z.looseObject({
    value: z.string().optional(),
    display_value: z.string().optional(),
    link: z.string().optional(),
  }),
  z.null(),
])
export type SnField = z.infer<typeof SnField>

/** A record: field name (possibly dot-walked, `requested_for.email`) to value. */
export const SnRecordRaw = z
  .looseObject({ sys_id: z.string().regex(/^[0-9a-f]{32}$/i, 'expected a 32-hex sys_id') })
  .catchall(SnField)
export type SnRecordRaw = z.infer<typeof SnRecordRaw>

/** `{"result": [...]}`: records are validated one by one, so one bad row does not lose the page. */
export const SnCollection = z.object({ result: z.array(z.unknown()) })

export const SnSingle = z.object({ result: z.looseObject({}) })

export const SnUserRaw = z.looseObject({
  sys_id: z.string(),
  user_name: z.string().default(''),
  email: z.string().default(''),
  name: z.string().default(''),
})
export type SnUserRaw = z.infer<typeof SnUserRaw>

export const SnTokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().optional(),
  expires_in: z.union([z.number(), z.string()]).optional(),
  token_type: z.string().optional(),
})

/** The sys_id inside a reference value, whatever form it came in; null for an empty reference. */
export function refId(v: SnField | undefined): string | null {
  if (v === undefined || v === null) return null
  if (typeof v === 'string') return v === '' ? null : v
  return v.value ? v.value : null
}

/** The stored value of a field (`value` of a display-value object); "" for empty. */
export function fieldText(v: SnField | undefined): string {
  if (v === undefined || v === null) return ''
  if (typeof v === 'string') return v
  return v.value ?? v.display_value ?? ''
}

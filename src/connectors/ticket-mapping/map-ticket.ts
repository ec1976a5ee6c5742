import { parseFieldPath } from '../../config/field-path.ts'
import type { FieldMap, TicketMap } from '../../config/mapping.ts'
import type { TicketKind, TicketState, TicketTarget, Verdict } from '../../model/ticket.ts'
import { type CompiledDate, compileDate } from './date.ts'
import { readPath } from './read-path.ts'
import { scalarText } from './scalar.ts'

export type TicketField = keyof TicketMap

/** A connector's defaults for fields the user's map leaves out (ServiceNow `number`, Jira `key`, …). */
export type ConnectorDefaults = Partial<Record<TicketField, FieldMap>>

/** What a map reads out of one record. `problems` non-empty means the ticket is unmappable (ACC-012). */
export interface MappedTicket {
  kind: TicketKind
  /** Null when neither the map nor the connector's defaults say: the connector derives it. */
  state: TicketState | null
  approval: Verdict | null
  key: string | null
  url: string | null
  requester: string | null
  beneficiary: string | null
  targets: TicketTarget[]
  justification: string | null
  expiresAt: Date | null
  createdAt: Date | null
  updatedAt: Date | null
  closedAt: Date | null
  problems: string[]
}

export interface CompiledTicketMap {
  /** Every path the map reads (after rewriting), for connectors that must ask for fields explicitly. */
  readonly paths: readonly (readonly string[])[]
  apply(record: unknown): MappedTicket
}

export interface CompileOptions {
  /** Rewrites a parsed path, e.g. a Jira field display name to its id; throw to refuse it. */
  rewrite?: (segments: string[], field: TicketField) => string[]
}

interface CompiledField {
  name: TicketField
  from: string
  segments: string[]
  values: Map<string, string> | null
  default: string | undefined
  split: string | undefined
  date: CompiledDate | null
}

const DATE_FIELDS = new Set<TicketField>(['expiresAt', 'createdAt', 'updatedAt', 'closedAt'])
/**
 * Fields a ticket is unmappable without. A missing beneficiary or an empty target list is not "unmappable": the
 * ticket maps, and the reconciler reports what it cannot resolve per target (docs/rules.md, ACC-012).
 */
const REQUIRED = new Set<TicketField>(['kind', 'key', 'createdAt', 'updatedAt'])

/**
 * Compiles the user's map over the connector's defaults once per run, so config mistakes (a bad zone, a date
 * format without a year, a field name the vendor does not know) fail the run up front with the field named.
 */
export function compileTicketMap(
  map: TicketMap,
  defaults: ConnectorDefaults,
  opts: CompileOptions = {},
): CompiledTicketMap {
  const fields: CompiledField[] = []
  const names = new Set<TicketField>([
    ...(Object.keys(defaults) as TicketField[]),
    ...(Object.keys(map) as TicketField[]),
  ])
  for (const name of names) {
    const spec = (map as Partial<TicketMap>)[name] ?? defaults[name]
    if (!spec) continue
    try {
      const parsed = parseFieldPath(spec.from)
      fields.push({
        name,
        from: spec.from,
        segments: opts.rewrite ? opts.rewrite(parsed, name) : parsed,
        values: spec.values ? new Map(Object.entries(spec.values)) : null,
        default: spec.default,
        split: spec.split,
        date: DATE_FIELDS.has(name) ? compileDate(spec.date) : null,
      })
    } catch (e) {
      throw new Error(`tickets.map.${name}: ${(e as Error).message}`)
    }
  }
  const byName = new Map(fields.map((f) => [f.name, f]))
  return {
    paths: fields.map((f) => f.segments),
    apply: (record) => applyMap(record, byName),
  }
}

function applyMap(record: unknown, fields: Map<TicketField, CompiledField>): MappedTicket {
  const problems: string[] = []
  const text = (name: TicketField): string | null => {
    const f = fields.get(name)
    if (!f) {
      if (REQUIRED.has(name)) problems.push(`${name}: not mapped`)
      return null
    }
    const raw = valuesOf(record, f)
    const distinct = [...new Set(raw)]
    if (distinct.length > 1) {
      problems.push(`${name}: expected one value at ${f.from}, got ${distinct.length} (${preview(distinct)})`)
      return null
    }
    const value = distinct[0] ?? null
    const mapped = translate(f, value, problems)
    if (mapped === null && value === null && REQUIRED.has(name))
      problems.push(`${name}: no value at ${f.from}`)
    return mapped
  }
  const date = (name: TicketField): Date | null => {
    const f = fields.get(name)
    const t = text(name)
    if (t === null || !f?.date) return null
    const d = f.date.parse(t)
    if (typeof d === 'string') {
      problems.push(`${name}: ${d} at ${f.from}`)
      return null
    }
    return d
  }
  const kind = text('kind') as TicketKind | null
  const beneficiary = text('beneficiary')
  const system = text('system')
  const targets = targetsOf(record, fields.get('targets'), problems).map((entitlement) => ({
    system,
    entitlement,
  }))
  return {
    kind: kind ?? 'other',
    state: text('state') as TicketState | null,
    approval: text('approval') as Verdict | null,
    key: text('key'),
    url: text('url'),
    requester: text('requester'),
    beneficiary,
    targets,
    justification: text('justification'),
    expiresAt: date('expiresAt'),
    createdAt: date('createdAt'),
    updatedAt: date('updatedAt'),
    closedAt: date('closedAt'),
    problems,
  }
}

function valuesOf(record: unknown, f: CompiledField): string[] {
  const out: string[] = []
  for (const v of readPath(record, f.segments)) {
    const t = scalarText(v)
    if (t === null) continue
    const trimmed = t.trim()
    if (trimmed !== '') out.push(trimmed)
  }
  return out
}

/** `values` maps a vendor value; unmapped ones fall to `default`, else the ticket is unmappable. */
function translate(f: CompiledField, value: string | null, problems: string[]): string | null {
  if (value === null) return f.default ?? null
  if (!f.values) return value
  const hit = f.values.get(value)
  if (hit !== undefined) return hit
  if (f.default !== undefined) return f.default
  problems.push(
    `${f.name}: value ${JSON.stringify(value)} at ${f.from} is not one of ${preview([...f.values.keys()])} and there is no default`,
  )
  return null
}

function targetsOf(record: unknown, f: CompiledField | undefined, problems: string[]): string[] {
  if (!f) return []
  const out = new Set<string>()
  const raw = valuesOf(record, f)
  const pieces = f.split ? raw.flatMap((v) => v.split(f.split!)) : raw
  for (const piece of pieces) {
    const t = piece.trim()
    if (t === '') continue
    const mapped = translate(f, t, problems)
    if (mapped !== null) out.add(mapped)
  }
  if (out.size === 0 && raw.length === 0 && f.default !== undefined) out.add(f.default)
  return [...out]
}

function preview(values: string[]): string {
  const shown = values.slice(0, 5).map((v) => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v))
  return shown.join(', ') + (values.length > 5 ? `, … (${values.length} in all)` : '')
}

import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'

/**
 * Validates exported events against the real OCSF 1.8.0 definitions: the generated JSON Schemas with ajv, plus
 * what JSON Schema cannot say (type_uid formula, caption siblings, profile gating, times in milliseconds).
 * The schemas live in ../shared/ocsf beside the repository (as in CI), resolved from the repository root.
 */
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url))
export const OCSF_DIR = resolve(REPO_ROOT, '..', 'shared', 'ocsf')

type Json = Record<string, unknown>

function read(path: string): Json {
  return JSON.parse(readFileSync(path, 'utf8')) as Json
}

let cache: {
  plain: ValidateFunction
  incident: ValidateFunction
  plainSchema: Json
  incidentSchema: Json
} | null = null

function validators() {
  if (cache) return cache
  if (!existsSync(OCSF_DIR)) throw new Error(`OCSF schemas not found at ${OCSF_DIR}`)
  const ajv = new Ajv({ allErrors: true, strict: false })
  addFormats.default(ajv)
  const plainSchema = read(join(OCSF_DIR, 'compliance_finding.schema.json'))
  const incidentSchema = read(join(OCSF_DIR, 'compliance_finding.incident.schema.json'))
  // Both schemas carry the same $id; compile them apart.
  const plain = ajv.compile({ ...plainSchema, $id: 'plain' })
  const incident = ajv.compile({ ...incidentSchema, $id: 'incident' })
  cache = { plain, incident, plainSchema, incidentSchema }
  return cache
}

const RAW = join(OCSF_DIR, 'schema-1.8.0')
const dictionary = () => read(join(RAW, 'dictionary.json')).attributes as Record<string, Json>

type EnumMap = Map<string, { sibling: string | null; captions: Map<number, string> }>

/** Enum captions of one object or class, after its `extends` chain, over the dictionary's. */
function enumsOf(files: string[]): EnumMap {
  const dict = dictionary()
  const out: EnumMap = new Map()
  const merged: Record<string, Json> = {}
  for (const f of files) {
    const attrs = (read(f).attributes ?? {}) as Record<string, Json>
    for (const [k, v] of Object.entries(attrs)) merged[k] = { ...(merged[k] ?? {}), ...(v ?? {}) }
  }
  for (const name of Object.keys(merged)) {
    const d = dict[name] ?? {}
    const en = (merged[name]!.enum ?? d.enum) as Record<string, { caption: string }> | undefined
    if (!en) continue
    const captions = new Map<number, string>()
    // Object-level enums add to (and override) the dictionary's generic ones (0 Unknown, 99 Other).
    for (const src of [
      d.enum as Record<string, { caption: string }> | undefined,
      merged[name]!.enum as typeof en,
    ])
      for (const [id, v] of Object.entries(src ?? {})) captions.set(Number(id), v.caption)
    out.set(name, { sibling: (d.sibling as string | undefined) ?? null, captions })
  }
  return out
}

function objectChain(name: string): string[] {
  const files: string[] = []
  let cur: string | undefined = name
  while (cur && cur !== 'object') {
    const f = join(RAW, 'objects', `${cur}.json`)
    files.unshift(f)
    cur = read(f).extends as string | undefined
  }
  return files
}

const objectEnums = new Map<string, EnumMap>()
function enumsForObject(name: string): EnumMap {
  let m = objectEnums.get(name)
  if (!m) {
    m = enumsOf(objectChain(name))
    objectEnums.set(name, m)
  }
  return m
}
const classEnums = () =>
  enumsOf([
    join(RAW, 'events', 'base_event.json'),
    join(RAW, 'events', 'findings', 'finding.json'),
    join(RAW, 'events', 'findings', 'compliance_finding.json'),
  ])

/** Walks the event beside the schema so each nested object is checked against its own object's enums. */
function checkCaptions(
  value: Json,
  schemaNode: Json,
  defs: Record<string, Json>,
  enums: EnumMap,
  path: string,
  errors: string[],
) {
  for (const [k, v] of Object.entries(value)) {
    // `*_uid` enums (class, category) are checked on their own below; captions belong to `*_id` enums.
    const e = k.endsWith('_id') ? enums.get(k) : undefined
    if (
      e?.sibling &&
      typeof v === 'number' &&
      e.captions.has(v) &&
      v !== 99 &&
      k in value &&
      e.sibling in value
    ) {
      if (value[e.sibling] !== e.captions.get(v))
        errors.push(
          `${path}${e.sibling}: "${String(value[e.sibling])}" is not the caption of ${k}=${v} ("${e.captions.get(v)}")`,
        )
    }
    if (e?.sibling && typeof v === 'number' && !e.captions.has(v))
      errors.push(`${path}${k}: ${v} is not in its enum`)
    const prop = ((schemaNode.properties ?? {}) as Record<string, Json>)[k]
    if (!prop || v === null || typeof v !== 'object') continue
    const ref = (prop.$ref ?? (prop.items as Json | undefined)?.$ref) as string | undefined
    if (!ref) continue
    const defName = ref.replace('#/$defs/', '')
    const items = Array.isArray(v) ? v : [v]
    items.forEach((item, i) => {
      if (item && typeof item === 'object')
        checkCaptions(
          item as Json,
          defs[defName]!,
          defs,
          enumsForObject(defName),
          `${path}${k}${Array.isArray(v) ? `[${i}]` : ''}.`,
          errors,
        )
    })
  }
}

function checkTimes(value: unknown, path: string, errors: string[]) {
  if (!value || typeof value !== 'object') return
  for (const [k, v] of Object.entries(value as Json)) {
    if ((k === 'time' || k.endsWith('_time')) && typeof v === 'number') {
      // Milliseconds since the epoch: 2001-09-09 .. 2286-11-20. Seconds would be ~1.7e9.
      if (!Number.isInteger(v) || v < 1e12 || v >= 1e13)
        errors.push(`${path}${k}: ${v} is not epoch milliseconds`)
    }
    if (v && typeof v === 'object') checkTimes(v, `${path}${k}.`, errors)
  }
}

/** Every error in one event; empty when it is a valid OCSF 1.8.0 Compliance Finding. */
export function ocsfErrors(event: Json): string[] {
  const v = validators()
  const errors: string[] = []
  const profiles = ((event.metadata as Json | undefined)?.profiles ?? []) as string[]
  const incident = profiles.includes('incident')
  const validate = incident ? v.incident : v.plain
  if (!validate(event))
    for (const e of validate.errors ?? [])
      errors.push(
        `schema${incident ? ' (incident)' : ''}: ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
      )
  // Profile gating: attributes only the incident profile defines need it declared.
  const plainProps = new Set(Object.keys(v.plainSchema.properties as Json))
  for (const k of Object.keys(event))
    if (!plainProps.has(k) && !incident) errors.push(`${k}: needs metadata.profiles ["incident"]`)
  if (event.class_uid !== 2003) errors.push(`class_uid: ${String(event.class_uid)} is not 2003`)
  if (event.category_uid !== 2) errors.push(`category_uid: ${String(event.category_uid)} is not 2`)
  if (event.type_uid !== (event.class_uid as number) * 100 + (event.activity_id as number))
    errors.push(`type_uid: ${String(event.type_uid)} is not class_uid * 100 + activity_id`)
  if ('category_name' in event && event.category_name !== 'Findings')
    errors.push('category_name: not "Findings"')
  if ('class_name' in event && event.class_name !== 'Compliance Finding')
    errors.push('class_name: not "Compliance Finding"')
  if ('type_name' in event && event.type_name !== `Compliance Finding: ${String(event.activity_name)}`)
    errors.push(`type_name: "${String(event.type_name)}" does not follow the activity`)
  const schema = incident ? v.incidentSchema : v.plainSchema
  checkCaptions(event, schema, schema.$defs as Record<string, Json>, classEnums(), '', errors)
  checkTimes(event, '', errors)
  return errors
}

import type { ColumnType, Generated, Insertable, Kysely, Selectable } from 'kysely'

/** Timestamps come back from pg and PGlite as Date and go in as Date. */
type Ts = ColumnType<Date, Date, Date>
type TsNull = ColumnType<Date | null, Date | null | undefined, Date | null>
type Json<T = unknown> = ColumnType<T, string, string>

export interface SyncRunTable {
  seq: Generated<string>
  id: string
  connector_id: string
  kind: string
  requested_mode: string
  status: string
  started_at: Ts
  finished_at: TsNull
  error: string | null
}

export interface StreamRunTable {
  run_id: string
  connector_id: string
  stream: string
  mode: string
  status: string
  generation: string
  started_at: Ts
  finished_at: TsNull
  records: number
  removed: number
  invalid: number
  requests: number
  retries: number
  throttled: number
  rate_limit_wait_ms: number
  bytes: ColumnType<string, number, number>
  error: string | null
  stats: Json<Record<string, unknown>>
}

export interface CursorTable {
  connector_id: string
  stream: string
  /** `{ mode: 'full', generation, position }` while a full listing runs, `{ mode: 'incremental', position }` after. */
  cursor: Json<Record<string, unknown>>
  run_id: string
  updated_at: Ts
}

interface SyncedColumns {
  source: string
  stream: string
  /** The sync run (or the full listing it resumed) that last saw the row. */
  generation: ColumnType<string, string | number, string | number>
  first_seen: Ts
  last_seen: Ts
  removed_at: TsNull
}

export interface IdentityTable extends SyncedColumns {
  external_id: string
  kind: string
  login: string | null
  email: string | null
  upn: string | null
  display_name: string | null
  status: string
  owners: ColumnType<string[], string[], string[]>
  created_at: TsNull
}

export interface EntitlementTable extends SyncedColumns {
  external_id: string
  type: string
  name: string
  resource: string | null
  privileged: boolean
  owners: ColumnType<string[], string[], string[]>
}

export interface GrantTable extends SyncedColumns {
  principal_type: string
  principal_id: string
  entitlement_id: string
  granted_at: TsNull
}

export interface CredentialTable extends SyncedColumns {
  identity_id: string
  key_id: string
  type: string
  display_name: string | null
  created_at: TsNull
  expires_at: TsNull
  last_used_at: TsNull
}

export interface TicketTable extends SyncedColumns {
  external_id: string
  key: string
  url: string | null
  kind: string
  state: string
  approval: string
  requester: string | null
  beneficiary: string | null
  targets: Json<{ system: string | null; entitlement: string }[]>
  justification: string | null
  expires_at: TsNull
  created_at: Ts
  updated_at: Ts
  closed_at: TsNull
  unmappable: string | null
}

export interface ApprovalTable {
  source: string
  ticket_id: string
  seq: number
  approver: string
  decision: string
  decided_at: TsNull
}

/** Person keys resolved by the reconciler for each identity (policy aliases applied). */
export interface PersonKeyTable {
  source: string
  external_id: string
  person_key: string
  resolved_at: Ts
}

/** Durable audit evidence: what covered a direct grant, recorded once and kept. */
export interface EvidenceMatchTable {
  source: string
  principal_type: string
  principal_id: string
  entitlement_id: string
  covered_by: string
  ticket_source: string | null
  ticket_id: string | null
  ticket_key: string | null
  detail: Json<Record<string, unknown>>
  approved_at: TsNull
  granted_at: TsNull
  grant_first_seen: Ts
  first_matched_at: Ts
  last_matched_at: Ts
  run_id: string
}

export interface FindingTable {
  id: string
  rule: string
  severity: string
  status: string
  identity_key: string | null
  identity_kind: string | null
  entitlement_source: string | null
  entitlement_type: string | null
  entitlement_id: string | null
  entitlement_name: string | null
  ticket_source: string | null
  ticket_key: string | null
  credential_key_id: string | null
  title: string
  evidence: Json<Record<string, unknown>>
  first_seen: Ts
  last_seen: Ts
  resolved_at: TsNull
  suppressed_until: TsNull
  raised_sink: string | null
  raised_key: string | null
  raised_url: string | null
  raised_external_id: string | null
  updated_run_id: string
  /** Migration 0002 (reconciler): the `source\tstream` pairs it was computed from, and its material hash. */
  depends_on: ColumnType<string[], string[] | undefined, string[]>
  material: ColumnType<string, string | undefined, string>
  /** Migration 0003 (delivery): `raised`, `pending`, `dead`; and a dead letter's reason. */
  delivery_state: ColumnType<string | null, string | null | undefined, string | null>
  delivery_error: ColumnType<string | null, string | null | undefined, string | null>
}

export interface FindingEventTable {
  id: Generated<string>
  finding_id: string
  run_id: string
  type: string
  at: Ts
  severity: string
  status: string
  data: Json<Record<string, unknown>>
}

export interface ReconcileRunTable {
  id: string
  started_at: Ts
  finished_at: TsNull
  status: string
  summary: Json<Record<string, unknown>>
}

export interface OutboxTable {
  id: Generated<string>
  finding_id: string
  event_id: ColumnType<string | null, string | number | null, string | number | null>
  sink: string
  action: string
  status: string
  attempts: number
  next_attempt_at: Ts
  last_error: string | null
  created_at: Ts
  updated_at: Ts
  /** Migration 0003 (delivery): what changed (the update note), and when the row was taken in flight. */
  detail: ColumnType<Record<string, unknown>, string | undefined, string>
  claimed_at: TsNull
}

export interface ExportCursorTable {
  exporter_id: string
  last_event_id: ColumnType<string, string | number, string | number>
  updated_at: Ts
}

export interface LeaseTable {
  name: string
  holder: string
  acquired_at: Ts
  heartbeat_at: Ts
  expires_at: Ts
}

export interface BaselineTable {
  source: string
  principal_type: string
  principal_id: string
  entitlement_id: string
  accepted_by: string
  accepted_at: Ts
}

export interface SuppressionTable {
  id: Generated<string>
  /** A fingerprint, or a glob over fingerprints. */
  pattern: string
  reason: string
  ticket: string | null
  until: TsNull
  created_by: string | null
  created_at: Ts
}

export interface Database {
  sync_runs: SyncRunTable
  stream_runs: StreamRunTable
  cursors: CursorTable
  identities: IdentityTable
  entitlements: EntitlementTable
  grants: GrantTable
  credentials: CredentialTable
  tickets: TicketTable
  approvals: ApprovalTable
  person_keys: PersonKeyTable
  evidence_matches: EvidenceMatchTable
  findings: FindingTable
  finding_events: FindingEventTable
  reconcile_runs: ReconcileRunTable
  outbox: OutboxTable
  export_cursors: ExportCursorTable
  leases: LeaseTable
  baseline: BaselineTable
  suppressions: SuppressionTable
}

export type Db = Kysely<Database>
export type FindingRow = Selectable<FindingTable>
export type NewFinding = Insertable<FindingTable>

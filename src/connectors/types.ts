/**
 * The seams between accord and a vendor. A connector is one folder exporting one `Connector`; what it can do
 * is the set of capabilities it fills in. Raw vendor shapes never cross these interfaces: only the model does.
 */
import type { z } from 'zod'
import type { Logger } from '../core/logger.ts'
import type { Credential } from '../model/credential.ts'
import type { Entitlement } from '../model/entitlement.ts'
import type { Finding } from '../model/finding.ts'
import type { DirectGrant } from '../model/grant.ts'
import type { Identity } from '../model/identity.ts'
import type { Ticket } from '../model/ticket.ts'
import type { Db } from '../store/database.ts'
import type { RequestStats } from './http/stats.ts'

/** Records as a connector observes them; the store keeps first/last seen. */
export type ObservedIdentity = Omit<Identity, 'firstSeen' | 'lastSeen'>
export type ObservedEntitlement = Omit<Entitlement, 'firstSeen' | 'lastSeen'>
export type ObservedGrant = Omit<DirectGrant, 'firstSeen' | 'lastSeen' | 'removedAt'>
export type ObservedCredential = Omit<Credential, 'firstSeen' | 'lastSeen'>
export type ObservedTicket = Ticket

export type GrantKey = Pick<DirectGrant, 'principalType' | 'principalId' | 'entitlementId'>

/** A scope whose grants were just listed whole: every other grant in it (same stream) is gone. */
export type GrantScope = Partial<Pick<DirectGrant, 'principalType' | 'principalId' | 'entitlementId'>>

/**
 * One unit of sync work, written in one transaction together with the checkpoint that follows it. The
 * `source` of every record is the connector id and is filled in by the writer.
 */
export interface SyncBatch {
  identities?: Omit<ObservedIdentity, 'source'>[]
  entitlements?: Omit<ObservedEntitlement, 'source'>[]
  grants?: Omit<ObservedGrant, 'source'>[]
  credentials?: Omit<ObservedCredential, 'source'>[]
  tickets?: Omit<ObservedTicket, 'source'>[]
  /** Explicit vendor removals (Graph `@removed`, an Okta System Log event): removed at once. */
  removed?: {
    identities?: string[]
    entitlements?: string[]
    grants?: GrantKey[]
    credentials?: { identityId: string; keyId: string }[]
    tickets?: string[]
  }
  /** Grant scopes listed completely by this and earlier batches of this stream run (a re-listed group). */
  completeGrantScopes?: GrantScope[]
  /** Where to resume after this batch commits (a next link, a delta link, a watermark). JSON only. */
  checkpoint?: unknown
  /** Records that failed validation at the edge, counted toward the stream's invalid share. */
  invalid?: { id: string; reason: string }[]
}

export type SyncMode = 'full' | 'incremental'

/** The tables a stream writes; a complete full listing removes what it did not see in them. */
export type StreamTable = 'identities' | 'entitlements' | 'grants' | 'credentials' | 'tickets'

export interface StreamSpec {
  name: string
  tables: readonly StreamTable[]
}

/**
 * Writes one stream of one run. Batches are committed with their checkpoint, so a killed run resumes from
 * the last committed batch. Only `complete()` of a full listing removes unseen records.
 */
export interface StreamWriter {
  readonly stream: string
  /** What this run must do: full when forced, on first sync, or when resuming an interrupted full run. */
  readonly mode: SyncMode
  /** The checkpoint to resume from: the last committed one of an interrupted run, or the incremental cursor. */
  readonly resumeFrom: unknown
  readonly stats: RequestStats
  write(batch: SyncBatch): Promise<void>
  /** The vendor refused the incremental cursor (410, expired token): start a full listing now. */
  restartFull(reason: string): Promise<void>
  /** The listing finished; `checkpoint` is the cursor for the next incremental run. */
  complete(checkpoint?: unknown): Promise<void>
}

export interface SyncContext<C> {
  config: C
  logger: Logger
  signal: AbortSignal
  /** Read access to the store, e.g. the previous snapshot's group ids. */
  db: Db
  now: Date
  openStream(name: string): Promise<StreamWriter>
}

/** Identities, entitlements, grants and credentials from an identity provider. */
export interface EntitlementSource<C> {
  streams: readonly StreamSpec[]
  sync(ctx: SyncContext<C>): Promise<void>
}

/** Access tickets from an ITSM. */
export interface TicketSource<C> {
  streams: readonly StreamSpec[]
  sync(ctx: SyncContext<C>): Promise<void>
}

/** A ticket raised in an ITSM for a finding. */
export interface RaisedRecord {
  key: string
  url: string | null
  /** The vendor id (ServiceNow sys_id, Jira issue id). */
  externalId: string
  /** Whether the record is closed in the vendor now. */
  closed: boolean
}

export interface SinkContext {
  logger: Logger
  signal: AbortSignal
}

/** Raises findings as ITSM records. Every method is idempotent: the fingerprint is the correlation id. */
export interface TicketSink {
  /** Looks the fingerprint up; `waitForConsistency` waits out eventually consistent search first. */
  find(finding: Finding, opts: { waitForConsistency: boolean }): Promise<RaisedRecord | null>
  create(finding: Finding): Promise<RaisedRecord>
  /** A material change: comment or work note with what changed. */
  update(record: RaisedRecord, finding: Finding, change: string): Promise<void>
  resolve(record: RaisedRecord, finding: Finding): Promise<void>
  /** Reopens, or (when the vendor forbids it) creates a new record referencing the old and returns it. */
  reopen(record: RaisedRecord, finding: Finding): Promise<RaisedRecord>
}

export interface CheckItem {
  name: string
  ok: boolean
  detail: string
  /** What to do about it, in words ("grant GroupMember.Read.All to the app registration"). */
  fix?: string
}

export interface CheckContext {
  logger: Logger
  signal: AbortSignal
}

/** A connector's config schema: a zod object discriminated by its literal `kind`. */
export type ConfigSchema = z.ZodObject<
  { kind: z.ZodLiteral<string>; id: z.ZodType<string> } & z.core.$ZodLooseShape
>

export interface Connector<CS extends ConfigSchema = ConfigSchema, SS extends z.ZodType = z.ZodType> {
  kind: z.infer<CS>['kind']
  /** Shown in `accord --help` and `check`. */
  title: string
  configSchema: CS
  /** The schema of `raise.sinks.<id>` when this connector can raise findings. */
  sinkConfigSchema?: SS
  entitlementSource?: EntitlementSource<z.infer<CS>>
  ticketSource?: TicketSource<z.infer<CS>>
  createSink?(config: z.infer<CS>, sinkConfig: z.infer<SS>, ctx: SinkContext): TicketSink
  check?(config: z.infer<CS>, ctx: CheckContext): Promise<CheckItem[]>
}

/** Keeps each connector's own config type while checking it against the interface. */
export function defineConnector<CS extends ConfigSchema, SS extends z.ZodType = z.ZodType>(
  c: Connector<CS, SS>,
): Connector<CS, SS> {
  return c
}

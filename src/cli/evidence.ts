import type { Command } from 'commander'
import { UserError } from '../core/errors.ts'
import { csvCell } from '../delivery/export/csv.ts'
import { type EvidenceRow, queryEvidence } from '../store/repositories/evidence.ts'
import { action } from './action.ts'
import { globalOptions } from './global-options.ts'
import { printJson, println, printTable } from './output.ts'
import { openRuntime } from './runtime.ts'

const FORMATS = ['table', 'json', 'csv'] as const
const iso = (d: Date | null) => (d ? d.toISOString() : null)

export function register(program: Command): void {
  program
    .command('evidence')
    .description('audit evidence: for covered grants, the ticket, approvers, approval and provisioning times')
    .option('--identity <who>', 'person key, email, UPN, login, NHI key or principal id')
    .option('--entitlement <what>', 'entitlement name or id')
    .option('--sample <n>', 'a random sample of n grants (what an auditor asks for)')
    .option('--as-of <time>', 'evidence as it stood then: recorded by then, for grants present then')
    .option('--format <format>', 'table, json or csv (default table; --json means json)')
    .action(
      action(
        async (
          opts: { identity?: string; entitlement?: string; sample?: string; asOf?: string; format?: string },
          cmd: Command,
        ) => {
          const g = globalOptions(cmd)
          const format = opts.format ?? (g.json ? 'json' : 'table')
          if (!(FORMATS as readonly string[]).includes(format))
            throw new UserError(`--format: expected table, json or csv, got ${JSON.stringify(format)}`)
          let sample: number | undefined
          if (opts.sample !== undefined) {
            sample = Number(opts.sample)
            if (!Number.isInteger(sample) || sample < 1)
              throw new UserError(
                `--sample: expected a positive whole number, got ${JSON.stringify(opts.sample)}`,
              )
          }
          let asOf: Date | undefined
          if (opts.asOf !== undefined) {
            const t = Date.parse(opts.asOf)
            if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}/.test(opts.asOf))
              throw new UserError(
                `--as-of: expected an ISO date or timestamp, got ${JSON.stringify(opts.asOf)}`,
              )
            asOf = new Date(t)
          }
          const rt = await openRuntime(g)
          try {
            const rows = await queryEvidence(rt.store.db, {
              identity: opts.identity,
              entitlement: opts.entitlement,
              asOf,
              sample,
            })
            if (format === 'json') printJson(rows.map(jsonRow))
            else if (format === 'csv') printCsv(rows)
            else if (rows.length === 0) println('no evidence matches')
            else {
              printTable(
                [
                  'identity',
                  'entitlement',
                  'source',
                  'covered by',
                  'ticket',
                  'approvers',
                  'approved',
                  'granted',
                  'recorded',
                ],
                rows.map((r) => [
                  r.identity ?? r.account ?? r.principalId,
                  r.entitlement ?? r.entitlementId,
                  r.source,
                  r.coveredBy,
                  r.ticketKey,
                  r.approvers.join(', '),
                  short(r.approvedAt),
                  r.grantedAt ? short(r.grantedAt) : `${short(r.grantFirstSeen)} (first seen)`,
                  short(r.firstMatchedAt),
                ]),
              )
              println(`${rows.length} covered grant(s)${sample ? ' (random sample)' : ''}`)
            }
          } finally {
            await rt.close()
          }
        },
      ),
    )
}

function short(d: Date | null): string | null {
  return d ? d.toISOString().slice(0, 16).replace('T', ' ') : null
}

function jsonRow(r: EvidenceRow) {
  return {
    identity: r.identity,
    account: r.account,
    source: r.source,
    principalId: r.principalId,
    entitlement: { id: r.entitlementId, name: r.entitlement, type: r.entitlementType },
    coveredBy: r.coveredBy,
    ticket: r.ticketKey ? { source: r.ticketSource, key: r.ticketKey, url: r.ticketUrl } : null,
    approvers: r.approvers,
    approvedAt: iso(r.approvedAt),
    grantedAt: iso(r.grantedAt),
    grantFirstSeen: iso(r.grantFirstSeen),
    grantRemovedAt: iso(r.grantRemovedAt),
    recordedAt: iso(r.firstMatchedAt),
    detail: r.detail,
  }
}

function printCsv(rows: EvidenceRow[]): void {
  const head = [
    'identity',
    'account',
    'source',
    'principal_id',
    'entitlement_id',
    'entitlement',
    'covered_by',
    'ticket_source',
    'ticket',
    'approvers',
    'approved_at',
    'granted_at',
    'grant_first_seen',
    'recorded_at',
  ]
  process.stdout.write(`${head.join(',')}\n`)
  for (const r of rows) {
    const cells = [
      r.identity,
      r.account,
      r.source,
      r.principalId,
      r.entitlementId,
      r.entitlement,
      r.coveredBy,
      r.ticketSource,
      r.ticketKey,
      r.approvers.join('; '),
      iso(r.approvedAt),
      iso(r.grantedAt),
      iso(r.grantFirstSeen),
      iso(r.firstMatchedAt),
    ]
    process.stdout.write(`${cells.map(csvCell).join(',')}\n`)
  }
}

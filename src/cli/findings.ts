import type { Command } from 'commander'
import { now } from '../core/clock.ts'
import { parseDuration } from '../core/duration.ts'
import { UserError } from '../core/errors.ts'
import type { Finding } from '../model/finding.ts'
import { toFindingJson } from '../model/findings-json.ts'
import { RuleId } from '../model/rule-id.ts'
import { atLeast } from '../model/severity.ts'
import { RULES } from '../reconciler/rules/index.ts'
import { compileGlob } from '../reconciler/selectors.ts'
import { listFindingEvents } from '../store/repositories/finding-events.ts'
import { findingIdsByPrefix, getFinding, listFindings } from '../store/repositories/findings.ts'
import { deliveryStates } from '../store/repositories/outbox.ts'
import { addSuppression } from '../store/repositories/suppressions.ts'
import { action } from './action.ts'
import { globalOptions } from './global-options.ts'
import { printJson, println, printTable } from './output.ts'
import { parseSeverity } from './reconcile.ts'
import { openRuntime } from './runtime.ts'

const STATUSES = ['open', 'resolved', 'suppressed', 'all'] as const

const list = (v: string, prev: string[] = []) => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
]

/**
 * `accord findings …`. Other areas attach their own subcommands to it (delivery's `findings export`) with
 * `findingsCommand(program).command(...)`, registered after this file in commands.ts.
 */
export function register(program: Command): void {
  const findings = program.command('findings').description('list, show and suppress drift findings')

  findings
    .command('list')
    .description('findings, by default the open ones; --json gives DESIGN section 11 shape')
    .option('--rule <ids>', 'only these rules (ACC-001,NHI-003; repeatable)', list)
    .option('--status <status>', `open (default), resolved, suppressed or all`, 'open')
    .option('--severity <severity>', 'only findings at or above this severity')
    .action(
      action(async (opts: { rule?: string[]; status: string; severity?: string }, cmd: Command) => {
        const g = globalOptions(cmd)
        for (const r of opts.rule ?? []) {
          if (!RuleId.safeParse(r.toUpperCase()).success)
            throw new UserError(
              `--rule: unknown rule ${JSON.stringify(r)}; rules are ${RuleId.options.join(', ')}`,
            )
        }
        if (!(STATUSES as readonly string[]).includes(opts.status))
          throw new UserError(
            `--status: expected one of ${STATUSES.join(', ')}, got ${JSON.stringify(opts.status)}`,
          )
        const min = opts.severity === undefined ? undefined : parseSeverity(opts.severity, '--severity')
        const rt = await openRuntime(g)
        try {
          const found = (
            await listFindings(rt.store.db, {
              rule: opts.rule?.map((r) => r.toUpperCase()),
              status: opts.status === 'all' ? undefined : [opts.status],
            })
          ).filter((f) => !min || atLeast(f.severity, min))
          const delivery = await deliveryStates(
            rt.store.db,
            found.map((f) => f.id),
          )
          if (g.json)
            printJson(found.map((f) => ({ ...toFindingJson(f), delivery: delivery.get(f.id) ?? null })))
          else if (found.length === 0) println(`no ${opts.status === 'all' ? '' : `${opts.status} `}findings`)
          else {
            printTable(
              [
                'id',
                'rule',
                'severity',
                'status',
                'identity',
                'entitlement',
                'ticket',
                'raised',
                'last seen',
              ],
              found.map((f) => [
                f.id.slice(0, 12),
                f.rule,
                f.severity,
                f.status,
                f.identity?.key,
                f.entitlement ? `${f.entitlement.name} (${f.entitlement.source})` : null,
                f.ticket?.key,
                raisedCell(f, delivery.get(f.id)),
                f.lastSeen.toISOString().slice(0, 16).replace('T', ' '),
              ]),
            )
            println(`${found.length} finding(s); \`accord findings show <id>\` explains one`)
          }
        } finally {
          await rt.close()
        }
      }),
    )

  findings
    .command('show')
    .description(
      'one finding and its evidence chain in words: grant, ticket, approvals, times, why it is drift',
    )
    .argument('<id>', 'finding id (or a unique prefix of it)')
    .action(
      action(async (idArg: string, _opts: unknown, cmd: Command) => {
        const g = globalOptions(cmd)
        const rt = await openRuntime(g)
        try {
          let f = await getFinding(rt.store.db, idArg)
          if (!f) {
            const ids = await findingIdsByPrefix(rt.store.db, idArg)
            if (ids.length === 0) throw new UserError(`no finding with id ${JSON.stringify(idArg)}`)
            if (ids.length > 1)
              throw new UserError(
                `${JSON.stringify(idArg)} is ambiguous: ${ids.join(', ')}${ids.length === 5 ? ', …' : ''}`,
              )
            f = await getFinding(rt.store.db, ids[0]!)
          }
          const events = await listFindingEvents(rt.store.db, f!.id)
          const delivery = (await deliveryStates(rt.store.db, [f!.id])).get(f!.id) ?? null
          if (g.json) printJson({ ...toFindingJson(f!), delivery, history: events })
          else {
            for (const line of explain(f!, events)) println(line)
            if (delivery?.state === 'dead')
              println(`delivery: dead letter: ${delivery.error} (accord deliver --retry-dead)`)
          }
        } finally {
          await rt.close()
        }
      }),
    )

  findings
    .command('suppress')
    .description(
      'suppress a finding (or every finding whose id matches a glob) until a time; takes effect at the next reconcile',
    )
    .argument('<id|pattern>', 'a finding id, or a glob over ids (quote it)')
    .requiredOption('--reason <text>', 'why (kept with the suppression and shown on the finding)')
    .requiredOption('--until <time>', 'ISO timestamp, or a duration from now (30d, 12h)')
    .option('--ticket <key>', 'the exception or change ticket that approves it')
    .option('--by <person>', 'who suppresses it (default: $USER)')
    .action(
      action(
        async (
          pattern: string,
          opts: { reason: string; until: string; ticket?: string; by?: string },
          cmd: Command,
        ) => {
          const g = globalOptions(cmd)
          const at = now()
          const until = parseUntil(opts.until, at)
          if (!opts.reason.trim()) throw new UserError('--reason: give a reason')
          const rt = await openRuntime(g)
          try {
            const match = compileGlob(pattern)
            const all = await listFindings(rt.store.db, { status: ['open', 'suppressed'] })
            const hits = all.filter((f) => f.id === pattern || match(f.id))
            if (hits.length === 0)
              throw new UserError(`no open or suppressed finding matches ${JSON.stringify(pattern)}`)
            const id = await addSuppression(rt.store.db, {
              pattern,
              reason: opts.reason.trim(),
              ticket: opts.ticket ?? null,
              until,
              createdBy: opts.by ?? process.env.USER ?? null,
              createdAt: at,
            })
            if (g.json)
              printJson({
                suppression: id,
                pattern,
                until: until.toISOString(),
                matches: hits.map((f) => f.id),
              })
            else {
              println(`suppression ${id}: ${hits.length} finding(s) until ${until.toISOString()}`)
              println('it takes effect at the next `accord reconcile`')
            }
          } finally {
            await rt.close()
          }
        },
      ),
    )
}

/** The `findings` command, for areas that attach subcommands to it. */
export function findingsCommand(program: Command): Command {
  const c = program.commands.find((x) => x.name() === 'findings')
  if (!c) throw new Error('the findings command is not registered yet: register src/cli/findings.ts first')
  return c
}

function parseUntil(text: string, at: Date): Date {
  const d = parseDuration(text)
  if (d !== null) return new Date(at.getTime() + d)
  const t = Date.parse(text)
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}/.test(text))
    throw new UserError(
      `--until: expected an ISO timestamp or a duration like 30d, got ${JSON.stringify(text)}`,
    )
  if (t <= at.getTime()) throw new UserError(`--until: ${text} is in the past`)
  return new Date(t)
}

type Rec = Record<string, unknown>
const str = (v: unknown) => (v === null || v === undefined || v === '' ? null : String(v))

/** A finding as an auditor reads it: what, who, which records, when, why, and what to do. */
export function explain(
  f: Finding,
  events: { type: string; at: Date; runId: string; data: Rec }[],
): string[] {
  const rule = RULES[f.rule]
  const ev = f.evidence
  const out: string[] = []
  out.push(`${f.rule} ${rule.summary}`)
  out.push(`  id        ${f.id}`)
  out.push(
    `  status    ${f.status}, severity ${f.severity}; first seen ${f.firstSeen.toISOString()}, last seen ${f.lastSeen.toISOString()}${f.resolvedAt ? `, resolved ${f.resolvedAt.toISOString()}` : ''}`,
  )
  out.push(`  title     ${f.title}`)
  if (f.identity) out.push(`  identity  ${f.identity.key} (${f.identity.kind})`)
  if (f.entitlement)
    out.push(
      `  access    ${f.entitlement.name} (${f.entitlement.type ?? 'unresolved'} in ${f.entitlement.source}${f.entitlement.externalId ? `, id ${f.entitlement.externalId}` : ''})`,
    )
  const grant = ev.grant as Rec | undefined
  if (grant) {
    out.push('')
    out.push('The grant')
    out.push(
      `  ${str(grant.account) ?? grant.principalId} (${grant.source} ${grant.principalId}, ${grant.identityStatus}) holds ${grant.entitlement}${grant.privileged ? ' [privileged]' : ''}`,
    )
    out.push(
      `  granted at ${str(grant.grantedAt) ?? 'unknown (the vendor gives no time)'}; first seen by accord ${grant.firstSeen}`,
    )
    const confers = (grant.confers as string[] | undefined) ?? []
    if (confers.length) out.push(`  which also gives (inherited): ${confers.join(', ')}`)
  }
  const t = ev.ticketRecord as Rec | undefined
  if (t) {
    out.push('')
    out.push(`The ticket ${t.key} (${t.source}${t.url ? `, ${t.url}` : ''})`)
    out.push(
      `  ${t.kind} ticket, state ${t.state}, verdict ${t.approval}; for ${str(t.beneficiary) ?? '?'}, requested by ${str(t.requester) ?? '?'}`,
    )
    out.push(
      `  targets: ${((t.targets as { system: string | null; entitlement: string }[]) ?? []).map((x) => (x.system ? `${x.system}/${x.entitlement}` : x.entitlement)).join(', ') || 'none'}`,
    )
    out.push(
      `  created ${t.createdAt}; approved ${str(t.approvedAt) ?? 'never'}; closed ${str(t.closedAt) ?? 'not yet'}${t.expiresAt ? `; ends ${t.expiresAt}` : ''}`,
    )
    for (const a of (t.approvals as Rec[]) ?? [])
      out.push(`  approval: ${a.approver} ${a.decision}${a.decidedAt ? ` at ${a.decidedAt}` : ''}`)
  } else if (f.ticket) out.push(`  ticket    ${f.ticket.key} (${f.ticket.source})`)
  out.push('')
  out.push('Why it is drift')
  out.push(`  ${str(ev.why) ?? f.title}`)
  for (const [k, v] of Object.entries(ev)) {
    if (['why', 'grant', 'ticketRecord', 'entitlementRecord'].includes(k)) continue
    out.push(`  ${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
  }
  out.push('')
  out.push('What to do')
  out.push(`  ${rule.remediation}`)
  out.push(`  control: ${rule.control ?? 'none'}; OCSF type: ${rule.ocsfType}`)
  if (f.raisedTicket)
    out.push(
      `  raised as ${f.raisedTicket.key} in ${f.raisedTicket.sink}${f.raisedTicket.url ? ` (${f.raisedTicket.url})` : ''}`,
    )
  if (events.length) {
    out.push('')
    out.push('History')
    for (const e of events) out.push(`  ${e.at.toISOString()} ${e.type.padEnd(12)} run ${e.runId}`)
  }
  return out
}

/** The raised ticket, or why there is none yet (a dead letter shows its reason, cut short). */
function raisedCell(f: Finding, d: { state: string; error: string | null } | undefined): string {
  if (d?.state === 'dead') return `dead: ${(d.error ?? '').slice(0, 40)}`
  if (f.raisedTicket) return `${f.raisedTicket.sink} ${f.raisedTicket.key}`
  return d?.state === 'pending' ? 'queued' : ''
}

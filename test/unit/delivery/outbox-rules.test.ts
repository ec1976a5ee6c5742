import { describe, expect, it } from 'vitest'
import { backoffMs, classifyFailure } from '../../../src/delivery/outbox/failure.ts'
import { changeText, planFor } from '../../../src/delivery/outbox/plan.ts'
import { findingSource, type RaiseConfig, routeFinding } from '../../../src/delivery/outbox/route.ts'
import { finding } from './records.ts'

const raise = (routes: RaiseConfig['routes'], sinks = ['snow', 'jira']): RaiseConfig => ({
  minSeverity: 'high',
  maxNewPerRun: 50,
  routes,
  sinks: Object.fromEntries(sinks.map((s) => [s, {}])),
})

describe('src/delivery/outbox/route', () => {
  it('takes the source from the entitlement, else the NHI, else the ticket', () => {
    expect(findingSource(finding())).toBe('entra')
    expect(findingSource(finding({ entitlement: null, identity: { key: 'okta:0oa9', kind: 'nhi' } }))).toBe(
      'okta',
    )
    expect(findingSource(finding({ entitlement: null }))).toBe('snow')
    expect(findingSource(finding({ entitlement: null, ticket: null }))).toBeNull()
  })

  it('picks the first matching route: source, rule (one or a list), severity floor', () => {
    const r = raise([
      { when: { source: 'okta' }, to: 'jira' },
      { when: { rule: ['ACC-010', 'ACC-008'] }, to: 'jira' },
      { when: { severity: 'critical' }, to: 'jira' },
      { to: 'snow' },
    ])
    const okta = { source: 'okta', type: 'group' as const, externalId: 'g', name: 'g' }
    expect(routeFinding(r, { ...finding({ entitlement: okta }) })).toBe('jira')
    expect(routeFinding(r, { ...finding({ rule: 'ACC-008' }) })).toBe('jira')
    expect(routeFinding(r, { ...finding({ severity: 'critical' }) })).toBe('jira')
    expect(routeFinding(r, { ...finding() })).toBe('snow')
    expect(routeFinding(raise([{ when: { source: 'okta' }, to: 'jira' }]), finding())).toBeNull()
  })

  it('sends everything to the only sink when there are no routes, and nowhere when there are several', () => {
    expect(routeFinding(raise([], ['snow']), finding())).toBe('snow')
    expect(routeFinding(raise([]), finding())).toBeNull()
  })
})

describe('src/delivery/outbox/plan', () => {
  it('decides the call from the action and the finding as it stands', () => {
    expect(planFor('create', false, 'open')).toBe('create')
    expect(planFor('create', true, 'open')).toBe('skip')
    expect(planFor('create', false, 'resolved')).toBe('skip')
    expect(planFor('update', true, 'open')).toBe('update')
    expect(planFor('update', false, 'open')).toBe('create')
    expect(planFor('resolve', true, 'resolved')).toBe('resolve')
    expect(planFor('resolve', false, 'resolved')).toBe('skip')
    expect(planFor('reopen', true, 'open')).toBe('reopen')
    expect(planFor('reopen', false, 'open')).toBe('create')
  })

  it('words what changed for the ticket note', () => {
    expect(changeText({ change: { severity: { from: 'high', to: 'critical' }, ticket: 'RITM1' } })).toBe(
      'accord: the finding changed (severity: high -> critical; ticket: RITM1)',
    )
    expect(changeText({ severity: 'high' })).toBe('accord: the finding changed (severity high)')
  })
})

describe('src/delivery/outbox/failure', () => {
  const http = (status: number, message = 'failed') => Object.assign(new Error(message), { status })
  it('dead-letters what no retry can fix, retries the rest', () => {
    for (const s of [400, 401, 403, 404, 422]) expect(classifyFailure(http(s)).permanent).toBe(true)
    for (const s of [408, 429, 500, 502, 503, 504]) expect(classifyFailure(http(s)).permanent).toBe(false)
    expect(classifyFailure(Object.assign(new Error('reset'), { code: 'ECONNRESET' })).permanent).toBe(false)
    expect(classifyFailure({ name: 'ZodError', message: 'bad' }).permanent).toBe(true)
    expect(classifyFailure(Object.assign(http(500), { permanent: true })).permanent).toBe(true)
    expect(classifyFailure(Object.assign(new Error('x'), { response: { status: 403 } }))).toMatchObject({
      permanent: true,
      reason: 'HTTP 403: x',
    })
    expect(classifyFailure(Object.assign(http(429), { retryAfterMs: 2000 })).retryAfterMs).toBe(2000)
  })

  it('backs off exponentially, with jitter, within the cap', () => {
    for (let attempt = 1; attempt < 12; attempt++) {
      const ceiling = Math.min(10_000, 500 * 2 ** (attempt - 1))
      const d = backoffMs(attempt, 500, 10_000)
      expect(d).toBeGreaterThanOrEqual(ceiling / 2)
      expect(d).toBeLessThanOrEqual(ceiling)
    }
  })
})

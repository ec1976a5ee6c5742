import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileDate } from '../../../../src/connectors/ticket-mapping/date.ts'

describe('ticket-mapping/date', () => {
  it('keeps the offset of ISO values, with or without a colon (Jira writes +0900)', () => {
    const d = compileDate(undefined)
    expect(d.parse('2026-05-15T09:00:00.000+0900')).toEqual(new Date('2026-05-15T00:00:00.000Z'))
    expect(d.parse('2026-05-15T09:00:00+09:00')).toEqual(new Date('2026-05-15T00:00:00.000Z'))
    expect(d.parse('2026-05-15T09:00:00Z')).toEqual(new Date('2026-05-15T09:00:00.000Z'))
    // A value with its own offset ignores the configured zone.
    const paris = compileDate({ format: 'yyyy-MM-dd HH:mm:ss', zone: 'Europe/Paris' })
    expect(paris.parse('2026-05-15T09:00:00.000-0500')).toEqual(new Date('2026-05-15T14:00:00.000Z'))
  })

  it('reads ServiceNow date-times (no zone) as UTC unless told otherwise', () => {
    expect(compileDate(undefined).parse('2016-01-19 04:52:04')).toEqual(new Date('2016-01-19T04:52:04Z'))
    expect(compileDate(undefined).parse('2026-12-31')).toEqual(new Date('2026-12-31T00:00:00Z'))
  })

  it('reads a custom format in an IANA zone, across daylight saving time', () => {
    const d = compileDate({ format: 'dd/MM/yyyy HH:mm', zone: 'Europe/Paris' })
    expect(d.parse('15/01/2026 10:30')).toEqual(new Date('2026-01-15T09:30:00Z'))
    expect(d.parse('15/07/2026 10:30')).toEqual(new Date('2026-07-15T08:30:00Z'))
    const tokyo = compileDate({ format: 'yyyyMMdd', zone: 'Asia/Tokyo' })
    expect(tokyo.parse('20260501')).toEqual(new Date('2026-04-30T15:00:00Z'))
  })

  it('says what is wrong with a value instead of guessing', () => {
    const d = compileDate({ format: 'dd/MM/yyyy', zone: 'UTC' })
    expect(d.parse('2026/01/15')).toMatch(/does not match the date format "dd\/MM\/yyyy"/)
    expect(d.parse('31/02/2026')).toMatch(/not a valid date/)
    expect(compileDate(undefined).parse('next friday')).toMatch(/not a date/)
    expect(compileDate(undefined).parse({ a: 1 })).toMatch(/not a date/)
  })

  it('refuses a bad zone or a format without a year at compile time', () => {
    expect(() => compileDate({ format: 'yyyy-MM-dd', zone: 'Mars/Olympus' })).toThrow(/unknown time zone/)
    expect(() => compileDate({ format: 'dd/MM', zone: 'UTC' })).toThrow(/has no yyyy/)
  })

  it('round-trips any instant written as wall-clock time in any of several zones', () => {
    const zones = ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Australia/Adelaide']
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01Z'), max: new Date('2040-01-01Z'), noInvalidDate: true }),
        fc.constantFrom(...zones),
        (date, zone) => {
          const instant = new Date(Math.floor(date.getTime() / 1000) * 1000)
          const parts = Object.fromEntries(
            new Intl.DateTimeFormat('en-US', {
              timeZone: zone,
              hourCycle: 'h23',
              year: 'numeric',
              month: '2-digit',
              day: '2-digit',
              hour: '2-digit',
              minute: '2-digit',
              second: '2-digit',
            })
              .formatToParts(instant)
              .map((p) => [p.type, p.value]),
          )
          const wall = `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`
          const parsed = compileDate({ format: 'yyyy-MM-dd HH:mm:ss', zone }).parse(wall) as Date
          // In the repeated hour of a DST fall-back the earlier reading wins: at most one hour apart.
          const diff = instant.getTime() - parsed.getTime()
          expect(diff === 0 || diff === 3_600_000).toBe(true)
        },
      ),
      { numRuns: 300 },
    )
  })
})

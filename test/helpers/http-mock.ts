import nock from 'nock'
import { afterEach, beforeEach, expect } from 'vitest'

/**
 * nock with real network off (loopback stays open for sandbox servers). A test fails when a request found no
 * mock, or when a mock it set up was never used.
 */
export function useHttpMock(): void {
  const unmatched: string[] = []
  const onNoMatch = (req: { method?: string; path?: string; options?: { host?: string } }) => {
    unmatched.push(`${req.method ?? 'GET'} ${req.options?.host ?? ''}${req.path ?? ''}`)
  }
  beforeEach(() => {
    unmatched.length = 0
    nock.disableNetConnect()
    nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/)
    nock.emitter.on('no match', onNoMatch)
  })
  afterEach(() => {
    nock.emitter.removeListener('no match', onNoMatch)
    const pending = nock.pendingMocks()
    nock.cleanAll()
    nock.enableNetConnect()
    expect(unmatched, 'requests with no mock').toEqual([])
    expect(pending, 'mocks never used').toEqual([])
  })
}

import { describe, expect, it } from 'vitest'
import {
  decodeCursor,
  encodeCursor,
  nextOffsetCursor,
  resumeOffset,
} from '../../../../src/sandbox/core/index.ts'

const list = (ids: string[]) => ids.map((id) => ({ id }))

describe('src/sandbox/core/cursor', () => {
  it('round-trips opaque cursors and rejects garbage', () => {
    expect(decodeCursor(encodeCursor({ o: 3, last: 'c' }))).toEqual({ o: 3, last: 'c' })
    expect(decodeCursor('not base64 json')).toBeNull()
    expect(decodeCursor(null)).toBeNull()
  })

  it('resumes at the offset when nothing moved', () => {
    const items = list(['a', 'b', 'c', 'd', 'e'])
    const c = nextOffsetCursor(items, 2)
    expect(c).toEqual({ o: 2, last: 'b' })
    expect(resumeOffset(items, c, 2)).toBe(2)
  })

  it('resumes after the last object sent when earlier ones were removed', () => {
    const c = nextOffsetCursor(list(['a', 'b', 'c', 'd', 'e']), 3)
    expect(resumeOffset(list(['b', 'c', 'd', 'e']), c, 3)).toBe(2)
  })

  it('replays a page rather than skip when the last object sent is gone too', () => {
    const c = nextOffsetCursor(list(['a', 'b', 'c', 'd', 'e']), 4)
    expect(resumeOffset(list(['a', 'b', 'c', 'e']), c, 2)).toBe(2)
  })
})

import { describe, expect, it } from 'vitest'
import { jsonWithoutNul } from '../../../src/store/bulk.ts'

describe('jsonb parameters without NUL', () => {
  it('turns a NUL anywhere (values, keys, nested) into U+FFFD', () => {
    const out = jsonWithoutNul({ 'k\u0000': ['bad\u0000name', { deep: '\u0000\u0000' }] })
    expect(JSON.parse(out)).toEqual({ 'k\ufffd': ['bad\ufffdname', { deep: '\ufffd\ufffd' }] })
    expect(out).not.toContain('\\u0000')
  })

  it('leaves the text "\\u0000" written with a real backslash as it was', () => {
    for (const v of ['\\u0000', '\\\\u0000', 'a\\\\\\u0000b']) {
      expect(JSON.parse(jsonWithoutNul({ v }))).toEqual({ v })
    }
    // A backslash right before a real NUL: the backslash stays, the NUL goes.
    expect(JSON.parse(jsonWithoutNul(['\\\u0000']))).toEqual(['\\\ufffd'])
  })
})

import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ConnectorConfig } from '../../../src/config/schema.ts'
import { connectors } from '../../../src/connectors/registry.ts'

/** Folders under src/connectors/ that are shared machinery, not vendors. */
const NOT_VENDORS = new Set(['http', 'ticket-mapping'])

describe('connector registry', () => {
  it('registers every vendor folder under src/connectors/', () => {
    const folders = readdirSync(new URL('../../../src/connectors/', import.meta.url), { withFileTypes: true })
      .filter((d) => d.isDirectory() && !NOT_VENDORS.has(d.name))
      .map((d) => d.name)
      .sort()
    expect(Object.keys(connectors).sort()).toEqual(folders)
  })

  it('names each connector by the kind its config schema accepts', () => {
    for (const [kind, c] of Object.entries(connectors)) {
      expect(c.kind).toBe(kind)
      expect(c.configSchema.shape.kind.value).toBe(kind)
    }
  })

  it('assembles the config union from the registry', () => {
    expect(ConnectorConfig.options.map((o) => o.shape.kind.value).sort()).toEqual(
      Object.keys(connectors).sort(),
    )
  })
})

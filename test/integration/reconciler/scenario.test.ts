import { afterEach, expect, it } from 'vitest'
import type { ScenarioSize } from '../../../src/sandbox/scenario/index.ts'
import type { Store } from '../../../src/store/open.ts'
import { describeEachStore } from '../../helpers/store.ts'
import { checkScenario, formatResult } from './scenario-check.ts'

/** `small` in `npm test`; `npm run verify:scenarios` sets ACCORD_SCENARIO_SIZE=medium. */
const size = (process.env.ACCORD_SCENARIO_SIZE ?? 'small') as ScenarioSize

describeEachStore(import.meta.url, `scenario ${size}: open findings equal the manifest`, (factory) => {
  let store: Store | undefined
  afterEach(async () => {
    if (factory.kind === 'pglite') await store?.close()
    store = undefined
  })
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: precision and recall 1.0 for every rule`, {
      timeout: size === 'small' ? 120_000 : 900_000,
    }, async () => {
      store = await factory.open()
      const r = await checkScenario(store, size, seed)
      console.log(formatResult(r))
      expect(r.extra).toEqual([])
      expect(r.missing).toEqual([])
      expect(r.severityMismatches).toEqual([])
      for (const s of r.rules) expect([s.rule, s.precision, s.recall]).toEqual([s.rule, 1, 1])
    })
  }
})

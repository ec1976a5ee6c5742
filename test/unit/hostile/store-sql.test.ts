import fc from 'fast-check'
import { expect, it } from 'vitest'
import { listIdentities, upsertIdentities } from '../../../src/store/repositories/identities.ts'
import { describeEachStore } from '../../helpers/store.ts'

/**
 * SQL injection and text the database cannot hold (issue 11): vendor text goes into the store only as bound
 * parameters (unnest arrays), so quotes, comments and statement separators are data, and unicode of any plane
 * comes back byte for byte. The one character Postgres text cannot hold, NUL, must not fail the page.
 */
const INJECTIONS = [
  "'); drop table grants; --",
  "' or '1'='1",
  '"; delete from findings where ""="',
  '$$ language plpgsql $$',
  '\\x00\\\\',
  '{"a": [1, 2]}',
  '{a,b}',
  'NULL',
  '\u202e\ud83d\ude00\u0301',
  'x'.repeat(200_000),
]

const seen = (generation: number) => ({ stream: 'users', generation, at: new Date('2026-11-29T10:00:00Z') })
const identity = (externalId: string, text: string) => ({
  source: 'okta',
  externalId,
  kind: 'human' as const,
  login: text,
  email: text,
  upn: null,
  displayName: text,
  status: 'active' as const,
  owners: [text, 'owner-2'],
  createdAt: null,
})

describeEachStore(import.meta.url, 'hostile text in the store', (factory) => {
  it('quotes, comments, separators and any unicode are stored and read back verbatim', async () => {
    const store = await factory.open()
    try {
      await upsertIdentities(
        store.db as never,
        INJECTIONS.map((t, i) => identity(`u${i}`, t)),
        seen(1),
      )
      const back = await listIdentities(store.db, 'okta')
      expect(back.map((i) => i.displayName).sort()).toEqual([...INJECTIONS].sort())
      expect(back.find((i) => i.externalId === 'u0')!.owners).toEqual([INJECTIONS[0], 'owner-2'])
      // The tables the injections name are still there.
      for (const t of ['grants', 'findings'] as const) {
        await expect(
          store.db
            .selectFrom(t)
            .select((e) => e.fn.countAll().as('n'))
            .execute(),
        ).resolves.toBeDefined()
      }

      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 50 }), async (t) => {
          fc.pre(!t.includes('\u0000'))
          await upsertIdentities(store.db as never, [identity('p', t)], seen(2))
          const [p] = (await listIdentities(store.db, 'okta')).filter((i) => i.externalId === 'p')
          expect(p!.displayName).toBe(t)
        }),
        { numRuns: 40 },
      )
    } finally {
      await store.close()
    }
  }, 240_000)

  it('a NUL character (which Postgres text cannot hold) does not fail the page', async () => {
    const store = await factory.open()
    try {
      await upsertIdentities(
        store.db as never,
        [identity('n', 'bad\u0000name'), identity('m', 'fine')],
        seen(1),
      )
      const back = await listIdentities(store.db, 'okta')
      expect(back.map((i) => i.externalId).sort()).toEqual(['m', 'n'])
      const n = back.find((i) => i.externalId === 'n')!
      expect(n.displayName).toBe('bad\ufffdname')
      expect(n.owners).toEqual(['bad\ufffdname', 'owner-2'])
    } finally {
      await store.close()
    }
  }, 240_000)
})

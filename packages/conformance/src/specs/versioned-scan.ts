import type { Key } from '@agentstore/core/spi';
import { describe, expect, it } from 'vitest';
import { expectCode, type Harness } from '../harness.js';

/** Waits until the clock has moved past `t`, so the next commit gets a later txTime. */
async function clockPast(t: number): Promise<void> {
  while (Date.now() <= t) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** A small deterministic generator (mulberry32), so a failing case replays. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A version as `history` reports it. */
interface Recorded {
  readonly value?: unknown;
  readonly txTime: number;
  readonly validFrom: number;
  readonly validTo?: number;
  readonly kind: string;
}

/** The answer SPEC §5/§9.5 gives from a key's history alone: the last version (commit order) known and valid, unless a retraction. */
function answerOf(history: readonly Recorded[], asOfTx: number, asOfValid: number): Recorded | undefined {
  const known = history.filter(
    (v) => v.txTime <= asOfTx && v.validFrom <= asOfValid && asOfValid < (v.validTo ?? Number.POSITIVE_INFINITY),
  );
  const last = known.at(-1);
  return last === undefined || last.kind === 'retract' ? undefined : last;
}

/** SPEC §9.5: bitemporal `scan` and `retract` of the versioned kind. */
export function versionedScanSpec(h: Harness): void {
  describe('versioned scan and retract', () => {
    it('retract ends the current fact from validFrom on; what was known before stays readable; history shows it', async () => {
      const v = (await h.open()).versioned<string>('v');
      await v.put('k', 'A', { validFrom: 1_000 });
      const [put] = await v.history('k');
      const beforeRetract = put?.txTime as number;
      await clockPast(beforeRetract);
      await v.retract('k', { validFrom: 5_000 });
      expect(await v.get('k', { asOfValid: 4_999 })).toBe('A');
      expect(await v.get('k', { asOfValid: 5_000 })).toBeUndefined();
      expect(await v.get('k')).toBeUndefined();
      expect(await v.get('k', { asOfTx: beforeRetract, asOfValid: 5_000 })).toBe('A');
      const history = await v.history('k');
      expect(history).toEqual([
        { value: 'A', txTime: beforeRetract, validFrom: 1_000, kind: 'put' },
        { txTime: expect.any(Number), validFrom: 5_000, kind: 'retract' },
      ]);
      expect('value' in (history[1] as object)).toBe(false);
      expect(history[1]?.txTime).toBeGreaterThan(beforeRetract);
      // A later put asserts a value again where it is valid.
      await v.put('k', 'B', { validFrom: 6_000 });
      expect(await v.get('k', { asOfValid: 5_500 })).toBeUndefined();
      expect(await v.get('k', { asOfValid: 6_000 })).toBe('B');
      expect((await v.history('k')).map((x) => x.kind)).toEqual(['put', 'retract', 'put']);
    });

    it('retract defaults to now, open-ended; a bounded retraction leaves the fact on both sides', async () => {
      const v = (await h.open()).versioned<number>('v');
      await v.put('k', 1, { validFrom: 0 });
      const before = Date.now();
      await v.retract('k');
      const after = Date.now();
      const retraction = (await v.history('k'))[1];
      expect(retraction?.kind).toBe('retract');
      expect(retraction?.validFrom).toBe(retraction?.txTime);
      expect(retraction?.txTime).toBeGreaterThanOrEqual(before);
      expect(retraction?.txTime).toBeLessThanOrEqual(after);
      expect(retraction && 'validTo' in retraction).toBe(false);
      expect(await v.get('k')).toBeUndefined();
      expect(await v.get('k', { asOfValid: before - 1 })).toBe(1);

      await v.put('b', 7, { validFrom: 0 });
      await v.retract('b', { validFrom: 10, validTo: 20 });
      expect(await v.get('b', { asOfValid: 9 })).toBe(7);
      expect(await v.get('b', { asOfValid: 10 })).toBeUndefined();
      expect(await v.get('b', { asOfValid: 19 })).toBeUndefined();
      expect(await v.get('b', { asOfValid: 20 })).toBe(7);
      expect((await v.history('b'))[1]).toMatchObject({ kind: 'retract', validFrom: 10, validTo: 20 });
    });

    it('scan lists what was valid at asOfValid as known at asOfTx, in key order, with the answering version', async () => {
      const v = (await h.open()).versioned<string>('v');
      await v.put(['user', 'ann', 'city'], 'Oslo', { validFrom: 100 });
      await v.put(['user', 'bob', 'city'], 'Rome', { validFrom: 200, validTo: 400 });
      await v.put(['user', 'ann', 'job'], 'chef', { validFrom: 100 });
      await v.put(['team', 'x'], 'red', { validFrom: 0 });
      const known = Math.max(
        ...(await Promise.all([['user', 'ann', 'job'] as Key, ['team', 'x']].map(async (k) => (await v.history(k))[0]?.txTime as number))),
      );
      await clockPast(known);
      await v.correct(['user', 'ann', 'city'], 'Bergen', { validFrom: 300 });
      await v.retract(['user', 'ann', 'job'], { validFrom: 250 });

      const keysOf = (entries: Array<{ key: Key }>) => entries.map((e) => e.key);
      expect(keysOf(await v.scan({ asOfValid: 350 }))).toEqual([
        ['team', 'x'],
        ['user', 'ann', 'city'],
        ['user', 'bob', 'city'],
      ]);
      const now = await v.scan({ prefix: ['user'], asOfValid: 350 });
      expect(now).toEqual([
        { key: ['user', 'ann', 'city'], value: 'Bergen', txTime: expect.any(Number), validFrom: 300 },
        { key: ['user', 'bob', 'city'], value: 'Rome', txTime: expect.any(Number), validFrom: 200, validTo: 400 },
      ]);
      // As known before the correction and the retraction.
      expect((await v.scan({ prefix: ['user'], asOfValid: 350, asOfTx: known })).map((e) => [e.key, e.value])).toEqual([
        [['user', 'ann', 'city'], 'Oslo'],
        [['user', 'ann', 'job'], 'chef'],
        [['user', 'bob', 'city'], 'Rome'],
      ]);
      expect((await v.scan({ prefix: ['user'], asOfValid: 150 })).map((e) => e.value)).toEqual(['Oslo', 'chef']);
      expect((await v.scan({ prefix: ['user', 'bob'], asOfValid: 400 })).map((e) => e.value)).toEqual([]);
      expect(await v.scan({ asOfValid: 350, asOfTx: known - 1e9 })).toEqual([]);
      expect((await v.scan({ asOfValid: 350, limit: 2 })).map((e) => e.value)).toEqual(['red', 'Bergen']);
      expect(await v.scan({ asOfValid: 350, limit: 0 })).toEqual([]);
      expect((await v.scan({ asOfValid: 350, after: ['user', 'ann', 'city'] })).map((e) => e.value)).toEqual(['Rome']);
    });

    it('string prefixes match scalar string keys; numbers and strings keep key order', async () => {
      const v = (await h.open()).versioned<number>('v');
      const keys: Key[] = ['ab', 'a', 'b', 'a\u0000', 2, -1, 10, ['a'], 'abc'];
      for (const [i, k] of keys.entries()) await v.put(k, i, { validFrom: 0 });
      expect((await v.scan({ asOfValid: 1 })).map((e) => e.key)).toEqual([-1, 2, 10, 'a', 'a\u0000', 'ab', 'abc', 'b', ['a']]);
      expect((await v.scan({ prefix: 'ab', asOfValid: 1 })).map((e) => e.key)).toEqual(['ab', 'abc']);
      expect((await v.scan({ prefix: 'a', asOfValid: 1 })).map((e) => e.key)).toEqual(['a', 'a\u0000', 'ab', 'abc']);
      expect((await v.scan({ prefix: ['a'], asOfValid: 1 })).map((e) => e.key)).toEqual([['a']]);
      expect((await v.scan({ prefix: 2, asOfValid: 1 })).map((e) => e.value)).toEqual([4]);
    });

    it('scan pages through many keys, skips retracted ones, and agrees with get and with each history', async () => {
      const v = (await h.open()).versioned<number>('v');
      const n = 300;
      const random = rng(7);
      // Several versions for some keys, so answers need older versions; every fifth retracted from 500.
      await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          await v.put(['k', i], i, { validFrom: 0 });
          if (i % 3 === 0) await v.put(['k', i], i + 1_000, { validFrom: 1_000, validTo: 2_000 });
          if (i % 5 === 0) await v.retract(['k', i], { validFrom: 500 + Math.floor(random() * 100) });
        }),
      );
      const at600 = await v.scan({ prefix: ['k'], asOfValid: 600 });
      expect(at600.map((e) => e.key)).toEqual(Array.from({ length: n }, (_, i) => ['k', i]).filter((_, i) => i % 5 !== 0));
      expect(at600.every((e) => e.value === (e.key as [string, number])[1])).toBe(true);
      const at1500 = await v.scan({ prefix: ['k'], asOfValid: 1_500 });
      expect(at1500.map((e) => e.value)).toEqual(
        Array.from({ length: n }, (_, i) => i)
          // The retraction is committed after the [1000, 2000) version, so it wins there too.
          .filter((i) => i % 5 !== 0)
          .map((i) => (i % 3 === 0 ? i + 1_000 : i)),
      );
      // limit across the page boundary, and paging with `after`.
      expect(await v.scan({ prefix: ['k'], asOfValid: 600, limit: 250 })).toEqual(at600.slice(0, 250));
      const paged: unknown[] = [];
      let after: Key | undefined;
      for (;;) {
        const page = await v.scan({ prefix: ['k'], asOfValid: 600, limit: 37, ...(after === undefined ? {} : { after }) });
        paged.push(...page);
        if (page.length < 37) break;
        after = page.at(-1)?.key;
      }
      expect(paged).toEqual(at600);
      // Against the histories, at a few points of both axes.
      const histories = await Promise.all(Array.from({ length: n }, (_, i) => v.history(['k', i])));
      const txTimes = [...new Set(histories.flat().map((x) => x.txTime))].sort((a, b) => a - b);
      for (const asOfTx of [txTimes[0] as number, txTimes[Math.floor(txTimes.length / 2)] as number, Number.POSITIVE_INFINITY]) {
        for (const asOfValid of [0, 550, 1_999, 2_000]) {
          const expected = histories.flatMap((history, i) => {
            const a = answerOf(history, asOfTx, asOfValid);
            return a === undefined
              ? []
              : [
                  {
                    key: ['k', i],
                    value: a.value,
                    txTime: a.txTime,
                    validFrom: a.validFrom,
                    ...(a.validTo === undefined ? {} : { validTo: a.validTo }),
                  },
                ];
          });
          const asOf = { asOfValid, ...(asOfTx === Number.POSITIVE_INFINITY ? {} : { asOfTx }) };
          expect(await v.scan({ prefix: ['k'], ...asOf })).toEqual(expected);
          const sample = [0, 5, 6, 299];
          expect(await Promise.all(sample.map((i) => v.get(['k', i], asOf)))).toEqual(
            sample.map((i) => answerOf(histories[i] as Recorded[], asOfTx, asOfValid)?.value),
          );
        }
      }
    });

    it('bad input rejects with its code and writes nothing; WRONG_KIND; CLOSED', async () => {
      const store = await h.open();
      const v = store.versioned('v');
      for (const key of [[], Number.NaN, null, [['nested']]]) {
        await expectCode(v.retract(key as never), 'INVALID_KEY');
        await expectCode(v.scan({ prefix: key as never }), 'INVALID_KEY');
        await expectCode(v.scan({ after: key as never }), 'INVALID_KEY');
      }
      for (const t of [Number.NaN, Number.POSITIVE_INFINITY, '5', null]) {
        await expectCode(v.retract('k', { validFrom: t as never }), 'INVALID_VALUE');
        await expectCode(v.retract('k', { validFrom: 0, validTo: t as never }), 'INVALID_VALUE');
        await expectCode(v.scan({ asOfTx: t as never }), 'INVALID_VALUE');
        await expectCode(v.scan({ asOfValid: t as never }), 'INVALID_VALUE');
      }
      for (const limit of [-1, 1.5, Number.NaN, '3']) await expectCode(v.scan({ limit: limit as never }), 'INVALID_VALUE');
      await expectCode(v.retract('k', { validFrom: 10, validTo: 10 }), 'INVALID_VALUE');
      await expectCode(v.retract('k', { validTo: 5 }), 'INVALID_VALUE');
      await expectCode(v.retract('k', 'opts' as never), 'INVALID_VALUE');
      await expectCode(v.scan('opts' as never), 'INVALID_VALUE');
      expect(await v.history('k')).toEqual([]);
      expect(await v.scan()).toEqual([]);

      await store.kv('kvdom').put('a', 1);
      await expectCode(store.versioned('kvdom').retract('a'), 'WRONG_KIND');
      await expectCode(store.versioned('kvdom').scan(), 'WRONG_KIND');
      expect(await store.versioned('fresh').scan()).toEqual([]);
      await v.put('a', 1);
      await v.retract('a', { validFrom: 0 });
      expect((await store.stats()).find((s) => s.domain === 'v')).toMatchObject({ kind: 'versioned', records: 2 });
      await store.close();
      await expectCode(v.retract('a'), 'CLOSED');
      await expectCode(v.scan(), 'CLOSED');
    });

    it.skipIf(!h.caps.persistent)('a retraction made by another store instance is seen by scan and get', async () => {
      const a = await h.open();
      await a.versioned('v').put(['p', 1], 'one', { validFrom: 0 });
      await a.versioned('v').put(['p', 2], 'two', { validFrom: 0 });
      const b = await h.open();
      await b.versioned('v').retract(['p', 1], { validFrom: 0 });
      expect((await a.versioned('v').scan({ prefix: ['p'] })).map((e) => e.value)).toEqual(['two']);
      expect(await a.versioned('v').get(['p', 1])).toBeUndefined();
      await a.close();
      const c = await h.open();
      expect((await c.versioned('v').history(['p', 1])).map((x) => x.kind)).toEqual(['put', 'retract']);
    });
  });
}

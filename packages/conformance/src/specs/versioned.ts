import { jsonCodec } from '@agentstore/core';
import type { Key } from '@agentstore/core/spi';
import { describe, expect, it } from 'vitest';
import { bytes, expectCode, type Harness } from '../harness.js';

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

/** Waits until the clock has moved past `t`, so the next commit gets a later txTime. */
async function clockPast(t: number): Promise<void> {
  while (Date.now() <= t) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** SPEC §5 Versioned: bitemporal put/get/history/correct. */
export function versionedSpec(h: Harness): void {
  describe('versioned', () => {
    it('README worked example: a belief about a codebase, corrected later, queried before and after the correction', async () => {
      const store = await h.open();
      const memory = store.versioned<string>('beliefs');
      const key: Key = ['repo', 'acme/api', 'testRunner'];

      // March 1st: the agent reads the repo's config and believes it has used jest since January.
      await memory.put(key, 'jest', { validFrom: day('2025-01-01') });
      const [first] = await memory.history(key);
      const beforeCorrection = first?.txTime as number;
      await clockPast(beforeCorrection);

      // Later it reads the git log: the repo switched to vitest on February 15th.
      await memory.correct(key, 'vitest', { validFrom: day('2025-02-15') });

      expect(await memory.get(key)).toBe('vitest');
      expect(await memory.get(key, { asOfValid: day('2025-03-01') })).toBe('vitest');
      expect(await memory.get(key, { asOfValid: day('2025-02-01') })).toBe('jest');
      // What it believed about March 1st before the correction, and about any time before January.
      expect(await memory.get(key, { asOfTx: beforeCorrection, asOfValid: day('2025-03-01') })).toBe('jest');
      expect(await memory.get(key, { asOfValid: day('2024-12-01') })).toBeUndefined();
      expect(await memory.get(key, { asOfTx: beforeCorrection - 1 })).toBeUndefined();

      const history = await memory.history(key);
      expect(history).toEqual([
        { value: 'jest', txTime: beforeCorrection, validFrom: day('2025-01-01'), kind: 'put' },
        { value: 'vitest', txTime: expect.any(Number), validFrom: day('2025-02-15'), kind: 'correct' },
      ]);
      expect(history[1]?.txTime).toBeGreaterThan(beforeCorrection);
    });

    it('put never overwrites; the later version wins where valid intervals overlap; [validFrom, validTo) is half-open', async () => {
      const v = (await h.open()).versioned('v');
      await v.put('k', 'A', { validFrom: 0, validTo: 100 });
      await v.put('k', 'B', { validFrom: 50, validTo: 150 });
      expect(await v.get('k', { asOfValid: -1 })).toBeUndefined();
      expect(await v.get('k', { asOfValid: 0 })).toBe('A');
      expect(await v.get('k', { asOfValid: 49.5 })).toBe('A');
      expect(await v.get('k', { asOfValid: 50 })).toBe('B');
      expect(await v.get('k', { asOfValid: 99 })).toBe('B');
      expect(await v.get('k', { asOfValid: 149 })).toBe('B');
      expect(await v.get('k', { asOfValid: 150 })).toBeUndefined();
      expect(await v.get('k')).toBeUndefined(); // now is far past 150
      expect((await v.history('k')).map((x) => [x.value, x.validFrom, x.validTo, x.kind])).toEqual([
        ['A', 0, 100, 'put'],
        ['B', 50, 150, 'put'],
      ]);
    });

    it('put defaults: valid from its transaction time, open-ended', async () => {
      const v = (await h.open()).versioned('v');
      const before = Date.now();
      await v.put('k', 1);
      const after = Date.now();
      const [version] = await v.history('k');
      expect(version?.txTime).toBeGreaterThanOrEqual(before);
      expect(version?.txTime).toBeLessThanOrEqual(after);
      expect(version?.validFrom).toBe(version?.txTime);
      expect(version && 'validTo' in version).toBe(false);
      expect(await v.get('k')).toBe(1);
      expect(await v.get('k', { asOfValid: (version?.txTime as number) - 1 })).toBeUndefined();
      expect(await v.get('k', { asOfValid: Date.now() + 1e9 })).toBe(1);
      // validTo alone is checked against the default validFrom.
      await v.put('k2', 'x', { validTo: Date.now() + 60_000 });
      expect(await v.get('k2')).toBe('x');
      await expectCode(v.put('k3', 'x', { validTo: 5 }), 'INVALID_VALUE');
      expect(await v.history('k3')).toEqual([]);
    });

    it('correct records a correction of the past without erasing what was believed', async () => {
      const v = (await h.open()).versioned('v');
      await v.put('k', 'old', { validFrom: 1_000 });
      const [put] = await v.history('k');
      await clockPast(put?.txTime as number);
      await v.correct('k', 'fixed', { validFrom: 2_000, validTo: 3_000 });
      expect(await v.get('k', { asOfValid: 2_500 })).toBe('fixed');
      expect(await v.get('k', { asOfValid: 3_000 })).toBe('old');
      expect(await v.get('k', { asOfValid: 1_500 })).toBe('old');
      expect(await v.get('k', { asOfValid: 2_500, asOfTx: put?.txTime as number })).toBe('old');
      const history = await v.history('k');
      expect(history.map((x) => x.kind)).toEqual(['put', 'correct']);
      expect(history[1]).toMatchObject({ value: 'fixed', validFrom: 2_000, validTo: 3_000 });
      await expectCode(v.correct('k', 'x', {} as never), 'INVALID_VALUE');
      await expectCode(v.correct('k', 'x', undefined as never), 'INVALID_VALUE');
      await expectCode(v.correct('k', 'x', { validTo: 5 } as never), 'INVALID_VALUE');
      expect(await v.history('k')).toHaveLength(2);
    });

    it('asOfTx is inclusive, and commit order decides between versions of the same millisecond', async () => {
      const v = (await h.open()).versioned<number>('v');
      for (let i = 0; i < 60; i++) await v.put('k', i, { validFrom: 0 });
      const history = await v.history('k');
      expect(history.map((x) => x.value)).toEqual(Array.from({ length: 60 }, (_, i) => i));
      const times = history.map((x) => x.txTime);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(await v.get('k', { asOfValid: 1 })).toBe(59);
      // At each recorded txTime the answer is the last version committed at or before it.
      for (const t of new Set(times)) {
        const lastAtT = history.filter((x) => x.txTime <= t).at(-1)?.value;
        expect(await v.get('k', { asOfTx: t, asOfValid: 1 })).toBe(lastAtT);
      }
      expect(await v.get('k', { asOfTx: (times[0] as number) - 1, asOfValid: 1 })).toBeUndefined();
      // Concurrent puts in one process: still one order, and get follows it.
      await Promise.all(Array.from({ length: 20 }, (_, i) => v.put('c', i, { validFrom: 0 })));
      const concurrent = await v.history('c');
      expect(concurrent).toHaveLength(20);
      expect(await v.get('c', { asOfValid: 1 })).toBe(concurrent.at(-1)?.value);
    });

    it('get walks past many newer versions to an old one (more than one page)', async () => {
      const v = (await h.open()).versioned<number>('v');
      for (let i = 0; i < 120; i++) await v.put('k', i, { validFrom: i * 10, validTo: i * 10 + 10 });
      expect(await v.get('k', { asOfValid: 5 })).toBe(0);
      expect(await v.get('k', { asOfValid: 615 })).toBe(61);
      expect(await v.get('k', { asOfValid: 1_195 })).toBe(119);
      expect(await v.get('k', { asOfValid: 1_200 })).toBeUndefined();
      expect(await v.history('k')).toHaveLength(120);
    });

    it('keys are agentstore keys; related keys stay separate', async () => {
      const v = (await h.open()).versioned('v');
      const keys: Key[] = ['a', 'a\u0000', 'a\u0001', 'ab', ['a'], ['a', 1], ['a', 'x'], 1, -0.5];
      for (const [i, k] of keys.entries()) for (let n = 0; n <= i; n++) await v.put(k, [i, n], { validFrom: 0 });
      for (const [i, k] of keys.entries()) {
        expect(await v.get(k)).toEqual([i, i]);
        expect((await v.history(k)).map((x) => x.value)).toEqual(Array.from({ length: i + 1 }, (_, n) => [i, n]));
      }
      expect(await v.get('b')).toBeUndefined();
      expect(await v.history(['a', 2])).toEqual([]);
    });

    it('values go through the codec', async () => {
      const store = await h.open();
      const v = store.versioned('v');
      const value = { m: new Map([['x', new Date(3)]]), b: bytes(4), big: 10n, u: undefined };
      await v.put('k', value, { validFrom: 0 });
      expect(await v.get('k')).toEqual(value);
      expect((await v.history('k'))[0]?.value).toEqual(value);
      const typed = store.versioned<unknown>('typed', { codec: jsonCodec as never });
      await typed.put('k', { ok: true }, { validFrom: 0 });
      expect(await typed.get('k')).toEqual({ ok: true });
      await expectCode(typed.put('k', { d: new Date(1) }, { validFrom: 0 }), 'INVALID_VALUE');
      expect(await typed.history('k')).toHaveLength(1);
    });

    it('invalid keys, times and values reject with their codes and write nothing', async () => {
      const v = (await h.open({ domains: { v: { maxValueBytes: 100 } } })).versioned('v');
      for (const key of [[], Number.NaN, null, [['nested']], 'lone \uD800']) {
        await expectCode(v.put(key as never, 1), 'INVALID_KEY');
        await expectCode(v.get(key as never), 'INVALID_KEY');
        await expectCode(v.history(key as never), 'INVALID_KEY');
        await expectCode(v.correct(key as never, 1, { validFrom: 0 }), 'INVALID_KEY');
      }
      for (const t of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '5', null]) {
        await expectCode(v.put('k', 1, { validFrom: t as never }), 'INVALID_VALUE');
        await expectCode(v.put('k', 1, { validFrom: 0, validTo: t as never }), 'INVALID_VALUE');
        await expectCode(v.correct('k', 1, { validFrom: t as never }), 'INVALID_VALUE');
        await expectCode(v.get('k', { asOfTx: t as never }), 'INVALID_VALUE');
        await expectCode(v.get('k', { asOfValid: t as never }), 'INVALID_VALUE');
      }
      await expectCode(v.put('k', 1, { validFrom: 10, validTo: 10 }), 'INVALID_VALUE');
      await expectCode(v.put('k', 1, { validFrom: 10, validTo: 9 }), 'INVALID_VALUE');
      await expectCode(v.correct('k', 1, { validFrom: 10, validTo: 5 }), 'INVALID_VALUE');
      await expectCode(v.put('k', 1, 'opts' as never), 'INVALID_VALUE');
      await expectCode(v.get('k', 5 as never), 'INVALID_VALUE');
      await expectCode(
        v.put('k', () => 1),
        'INVALID_VALUE',
      );
      await expectCode(v.put('k', bytes(200)), 'VALUE_TOO_LARGE');
      await expectCode(v.correct('k', bytes(200), { validFrom: 0 }), 'VALUE_TOO_LARGE');
      expect(await v.history('k')).toEqual([]);
      expect(await v.get('k')).toBeUndefined();
    });

    it('WRONG_KIND both ways; stats counts versions; a closed store rejects CLOSED', async () => {
      const store = await h.open();
      await store.checkpoints('cp').save('t', { data: bytes(1) });
      const wrong = store.versioned('cp');
      await expectCode(wrong.put('k', 1), 'WRONG_KIND');
      await expectCode(wrong.correct('k', 1, { validFrom: 0 }), 'WRONG_KIND');
      await expectCode(wrong.get('k'), 'WRONG_KIND');
      await expectCode(wrong.history('k'), 'WRONG_KIND');
      const v = store.versioned('vdom');
      await v.put('a', 1);
      await v.put('a', 2);
      await v.correct('b', 3, { validFrom: 0 });
      await expectCode(store.kv('vdom').get('a'), 'WRONG_KIND');
      await expectCode(store.journal('vdom').append('s', [1]), 'WRONG_KIND');
      await expectCode(store.snapshots('vdom').epoch(), 'WRONG_KIND');
      expect((await store.stats()).find((s) => s.domain === 'vdom')).toMatchObject({ kind: 'versioned', records: 3 });
      expect(await store.versioned('fresh').get('a')).toBeUndefined();
      expect(await store.versioned('fresh').history('a')).toEqual([]);
      await store.kv('fresh').put('a', 1);
      await store.close();
      await expectCode(v.put('a', 1), 'CLOSED');
      await expectCode(v.get('a'), 'CLOSED');
      await expectCode(v.history('a'), 'CLOSED');
    });

    it.skipIf(!h.caps.persistent)('a second store instance on the same dataDir sees every version and continues the order', async () => {
      const a = await h.open();
      await a.versioned('v').put('k', 'from a', { validFrom: 0 });
      const b = await h.open();
      expect(await b.versioned('v').get('k')).toBe('from a');
      await b.versioned('v').put('k', 'from b', { validFrom: 0 });
      expect(await a.versioned('v').get('k')).toBe('from b');
      await a.close();
      const c = await h.open();
      expect((await c.versioned('v').history('k')).map((x) => x.value)).toEqual(['from a', 'from b']);
    });
  });
}

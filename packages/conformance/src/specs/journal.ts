import { type JournalEntry, jsonCodec } from '@agentstore/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytes, expectCode, expectPlainBytes, type Harness } from '../harness.js';

const seqs = (entries: ReadonlyArray<JournalEntry<unknown>>) => entries.map((e) => e.seq);
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/** SPEC §5 Journal: gap-free per-stream seq, inclusive bounds, reverse, retention, times, errors. */
export function journalSpec(h: Harness): void {
  describe('journal', () => {
    it('append returns consecutive, gap-free seqs per stream; lastSeq follows', async () => {
      const j = (await h.open()).journal('j');
      expect(await j.lastSeq('s')).toBe(0);
      expect(await j.append('s', ['a'])).toEqual({ firstSeq: 1, lastSeq: 1 });
      expect(await j.append('s', ['b', 'c', 'd'])).toEqual({ firstSeq: 2, lastSeq: 4 });
      expect(await j.append('other', [1, 2])).toEqual({ firstSeq: 1, lastSeq: 2 });
      expect(await j.append('s', [{ e: 5 }])).toEqual({ firstSeq: 5, lastSeq: 5 });
      expect(await j.lastSeq('s')).toBe(5);
      expect(await j.lastSeq('other')).toBe(2);
      expect(await j.lastSeq('never')).toBe(0);
      const all = await j.read('s');
      expect(all.map((e) => [e.seq, e.value])).toEqual([
        [1, 'a'],
        [2, 'b'],
        [3, 'c'],
        [4, 'd'],
        [5, { e: 5 }],
      ]);
    });

    it('append with expectLastSeq writes only while the stream is at that seq; one of concurrent appends wins', async () => {
      const j = (await h.open()).journal('j');
      expect(await j.append('s', ['a'], { expectLastSeq: 0 })).toEqual({ firstSeq: 1, lastSeq: 1 });
      await expectCode(j.append('s', ['stale'], { expectLastSeq: 0 }), 'CONFLICT');
      await expectCode(j.append('s', ['x'], { expectLastSeq: -1 }), 'INVALID_VALUE');
      const racers = await Promise.allSettled([1, 2, 3, 4].map((i) => j.append('s', [`r${i}`], { expectLastSeq: 1 })));
      expect(racers.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of racers) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT' });
      const values = (await j.read('s')).map((e) => e.value);
      expect(values).toHaveLength(2);
      expect(values[0]).toBe('a');
      expect(await j.lastSeq('s')).toBe(2);
    });

    it('concurrent appends in one process never share or skip a seq', async () => {
      const j = (await h.open()).journal('j');
      const sizes = Array.from({ length: 40 }, (_, i) => 1 + (i % 4));
      const results = await Promise.all(
        sizes.map((n, i) =>
          j.append(
            's',
            Array.from({ length: n }, (_, k) => [i, k]),
          ),
        ),
      );
      const total = sizes.reduce((a, b) => a + b, 0);
      expect(results.map((r) => r.lastSeq - r.firstSeq + 1)).toEqual(sizes);
      const covered = results.flatMap((r) => range(r.firstSeq, r.lastSeq)).sort((a, b) => a - b);
      expect(covered).toEqual(range(1, total));
      const read = await j.read('s');
      expect(seqs(read)).toEqual(range(1, total));
      // Each append's values sit contiguously, in the order given.
      results.forEach((r, i) => {
        const mine = read.slice(r.firstSeq - 1, r.lastSeq).map((e) => e.value);
        expect(mine).toEqual(Array.from({ length: sizes[i] as number }, (_, k) => [i, k]));
      });
    });

    it('read: fromSeq and toSeq are inclusive; limit takes the first entries in the chosen order; reverse flips within the bounds', async () => {
      const j = (await h.open()).journal('j');
      await j.append(
        's',
        range(1, 10).map((i) => `v${i}`),
      );
      expect(seqs(await j.read('s', { fromSeq: 3, toSeq: 6 }))).toEqual([3, 4, 5, 6]);
      expect(seqs(await j.read('s', { fromSeq: 3, toSeq: 6, reverse: true }))).toEqual([6, 5, 4, 3]);
      expect(seqs(await j.read('s', { fromSeq: 3, toSeq: 6, limit: 2 }))).toEqual([3, 4]);
      expect(seqs(await j.read('s', { fromSeq: 3, toSeq: 6, limit: 2, reverse: true }))).toEqual([6, 5]);
      expect(seqs(await j.read('s', { fromSeq: 8 }))).toEqual([8, 9, 10]);
      expect(seqs(await j.read('s', { toSeq: 2 }))).toEqual([1, 2]);
      expect(seqs(await j.read('s', { limit: 3, reverse: true }))).toEqual([10, 9, 8]);
      expect(seqs(await j.read('s', { fromSeq: 5, toSeq: 5 }))).toEqual([5]);
      expect(await j.read('s', { fromSeq: 6, toSeq: 5 })).toEqual([]);
      expect(await j.read('s', { fromSeq: 11 })).toEqual([]);
      expect(seqs(await j.read('s', { fromSeq: 0, toSeq: 1_000_000 }))).toEqual(range(1, 10));
      expect(await j.read('s', { limit: 0 })).toEqual([]);
      expect(await j.read('missing')).toEqual([]);
      expect((await j.read('s', { fromSeq: 4, toSeq: 4 }))[0]?.value).toBe('v4');
    });

    it('streams are separate even when one name is a prefix of another or holds 00/01 bytes', async () => {
      const j = (await h.open()).journal('j');
      const names = ['a', 'a\u0000', 'a\u0000b', 'a\u0001', 'ab', 'b', 'ä', '\u{1F600}'];
      for (const [i, name] of names.entries())
        await j.append(
          name,
          range(0, i).map((k) => `${name}:${k}`),
        );
      for (const [i, name] of names.entries()) {
        const read = await j.read(name);
        expect(read.map((e) => e.value)).toEqual(range(0, i).map((k) => `${name}:${k}`));
        expect(await j.lastSeq(name)).toBe(i + 1);
        expect((await j.read(name, { reverse: true, limit: 1 }))[0]?.value).toBe(`${name}:${i}`);
      }
      // UTF-8 byte order.
      const sorted = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      expect(await j.streams()).toEqual(sorted);
    });

    it('streams(): prefix, after and limit', async () => {
      const j = (await h.open()).journal('j');
      expect(await j.streams()).toEqual([]);
      for (const name of ['run/1', 'run/2', 'run/3', 'tool/1', 'x']) await j.append(name, [0]);
      expect(await j.streams({ prefix: 'run/' })).toEqual(['run/1', 'run/2', 'run/3']);
      expect(await j.streams({ prefix: 'run/', after: 'run/1' })).toEqual(['run/2', 'run/3']);
      expect(await j.streams({ after: 'run/3', limit: 1 })).toEqual(['tool/1']);
      expect(await j.streams({ limit: 2 })).toEqual(['run/1', 'run/2']);
      expect(await j.streams({ limit: 0 })).toEqual([]);
      expect(await j.streams({ prefix: 'zzz' })).toEqual([]);
    });

    it('truncateBefore removes the entries below seq, returns how many, and later appends keep counting', async () => {
      const j = (await h.open()).journal('j');
      await j.append('s', range(1, 10));
      await j.append('keep', [1, 2]);
      expect(await j.truncateBefore('s', 4)).toBe(3);
      expect(seqs(await j.read('s'))).toEqual(range(4, 10));
      expect(await j.truncateBefore('s', 4)).toBe(0);
      expect(await j.truncateBefore('s', 2)).toBe(0);
      expect(await j.truncateBefore('s', 0)).toBe(0);
      expect(await j.lastSeq('s')).toBe(10);
      expect(await j.append('s', ['eleven'])).toEqual({ firstSeq: 11, lastSeq: 11 });
      expect(seqs(await j.read('s', { fromSeq: 1, toSeq: 5 }))).toEqual([4, 5]);
      // Past the end: everything goes, the stream still counts on and is still listed.
      expect(await j.truncateBefore('s', 100)).toBe(8);
      expect(await j.read('s')).toEqual([]);
      expect(await j.lastSeq('s')).toBe(11);
      expect(await j.streams()).toEqual(['keep', 's']);
      expect(await j.append('s', ['twelve'])).toEqual({ firstSeq: 12, lastSeq: 12 });
      expect((await j.read('s')).map((e) => [e.seq, e.value])).toEqual([[12, 'twelve']]);
      expect(seqs(await j.read('keep'))).toEqual([1, 2]);
      expect(await j.truncateBefore('never', 10)).toBe(0);
    });

    it('truncateBefore removes more than one batch of entries', async () => {
      const j = (await h.open()).journal('j');
      for (let i = 0; i < 3; i++) await j.append('s', range(1, 500));
      expect(await j.truncateBefore('s', 1_201)).toBe(1_200);
      expect(seqs(await j.read('s', { limit: 2 }))).toEqual([1_201, 1_202]);
      expect(await j.truncateBefore('s', 2_000)).toBe(300);
      expect(await j.read('s')).toEqual([]);
      expect((await j.append('s', ['next'])).firstSeq).toBe(1_501);
    });

    it('txTime is the commit time, shared by one append, never decreasing within a stream', async () => {
      const j = (await h.open()).journal('j');
      const before = Date.now();
      await j.append('s', ['a', 'b', 'c']);
      for (let i = 0; i < 20; i++) await j.append('s', [i]);
      const after = Date.now();
      const read = await j.read('s');
      const times = read.map((e) => e.txTime);
      expect(times[0]).toBe(times[1]);
      expect(times[1]).toBe(times[2]);
      for (const t of times) {
        expect(Number.isFinite(t)).toBe(true);
        expect(t).toBeGreaterThanOrEqual(before);
        expect(t).toBeLessThanOrEqual(after);
      }
      expect([...times].sort((x, y) => x - y)).toEqual(times);
    });

    it('validTime round-trips; entries appended without it carry none', async () => {
      const j = (await h.open()).journal('j');
      await j.append('s', ['with'], { validTime: 1_700_000_000_123.5 });
      await j.append('s', ['without']);
      await j.append('s', ['negative', 'zero?'], { validTime: -5 });
      await j.append('s', ['zero'], { validTime: 0 });
      const read = await j.read('s');
      expect(read[0]?.validTime).toBe(1_700_000_000_123.5);
      expect(read[1] && 'validTime' in read[1]).toBe(false);
      expect(read[2]?.validTime).toBe(-5);
      expect(read[3]?.validTime).toBe(-5);
      expect(read[4]?.validTime).toBe(0);
    });

    it('values go through the default codec; a codec option is honoured', async () => {
      const store = await h.open();
      const j = store.journal('j');
      const values = [new Map([[1, new Set(['x'])]]), new Date(7), 12n, bytes(5), { u: undefined, n: Number.NaN, z: -0 }, null, 'str'];
      await j.append('s', values);
      const read = await j.read('s');
      expect(read.map((e) => e.value)).toEqual(values);
      expect(Object.is((read[4]?.value as { z: number } | undefined)?.z, -0)).toBe(true);
      expectPlainBytes(read[3]?.value);
      const typed = store.journal<{ n: number }>('typed', { codec: jsonCodec as never });
      await typed.append('s', [{ n: 1 }]);
      expect((await typed.read('s'))[0]?.value).toEqual({ n: 1 });
      await expectCode(typed.append('s', [{ n: 2 }, { n: Number.NaN }]), 'INVALID_VALUE');
      expect(await typed.lastSeq('s')).toBe(1);
    });

    it('invalid arguments reject with INVALID_VALUE and write nothing', async () => {
      const j = (await h.open()).journal('j');
      await expectCode(j.append('s', []), 'INVALID_VALUE');
      await expectCode(j.append('s', 'abc' as never), 'INVALID_VALUE');
      await expectCode(j.append('s', undefined as never), 'INVALID_VALUE');
      for (const bad of ['', 'x'.repeat(257), 5, null, undefined, 'lone \uD800']) {
        await expectCode(j.append(bad as never, [1]), 'INVALID_VALUE');
        await expectCode(j.read(bad as never), 'INVALID_VALUE');
        await expectCode(j.lastSeq(bad as never), 'INVALID_VALUE');
        await expectCode(j.truncateBefore(bad as never, 1), 'INVALID_VALUE');
      }
      await j.append('x'.repeat(256), [1]);
      for (const validTime of [Number.NaN, Number.POSITIVE_INFINITY, '5', null]) {
        await expectCode(j.append('s', [1], { validTime: validTime as never }), 'INVALID_VALUE');
      }
      await expectCode(j.append('s', [1, () => 1]), 'INVALID_VALUE');
      await expectCode(j.append('s', [1], 'opts' as never), 'INVALID_VALUE');
      for (const opts of [{ fromSeq: -1 }, { toSeq: 1.5 }, { limit: -1 }, { limit: Number.NaN }, { reverse: 'yes' }, { fromSeq: '1' }]) {
        await expectCode(j.read('s', opts as never), 'INVALID_VALUE');
      }
      for (const seq of [-1, 1.5, Number.NaN, '3', undefined]) await expectCode(j.truncateBefore('s', seq as never), 'INVALID_VALUE');
      await expectCode(j.streams({ limit: -1 }), 'INVALID_VALUE');
      await expectCode(j.streams({ prefix: 5 as never }), 'INVALID_VALUE');
      expect(await j.lastSeq('s')).toBe(0);
      expect(await j.streams()).toEqual(['x'.repeat(256)]);
    });

    it('a value over maxValueBytes rejects VALUE_TOO_LARGE and the append writes nothing', async () => {
      const j = (await h.open({ domains: { small: { maxValueBytes: 1_000 } } })).journal('small');
      await j.append('s', [bytes(900)]);
      await expectCode(j.append('s', [bytes(10), bytes(2_000)]), 'VALUE_TOO_LARGE');
      // The limit is per value, not per append.
      expect(await j.append('s', [bytes(900), bytes(900), bytes(900)])).toEqual({ firstSeq: 2, lastSeq: 4 });
      expect(seqs(await j.read('s'))).toEqual([1, 2, 3, 4]);
    });

    it('WRONG_KIND both ways', async () => {
      const store = await h.open();
      await store.kv('kvdom').put('k', 1);
      const j = store.journal('kvdom');
      await expectCode(j.append('s', [1]), 'WRONG_KIND');
      await expectCode(j.read('s'), 'WRONG_KIND');
      await expectCode(j.lastSeq('s'), 'WRONG_KIND');
      await expectCode(j.truncateBefore('s', 5), 'WRONG_KIND');
      await expectCode(j.streams(), 'WRONG_KIND');
      await store.journal('jdom').append('s', [1]);
      await expectCode(store.kv('jdom').put('k', 1), 'WRONG_KIND');
      await expectCode(store.kv('jdom').get('k'), 'WRONG_KIND');
      await expectCode(store.checkpoints('jdom').save('t', { data: bytes(1) }), 'WRONG_KIND');
      await expectCode(store.versioned('jdom').put('k', 1), 'WRONG_KIND');
      await expectCode(store.snapshots('jdom').put({}), 'WRONG_KIND');
      await expectCode(store.snapshots('jdom').get(), 'WRONG_KIND');
      expect(await store.kv('kvdom').get('k')).toBe(1);
      expect(await store.journal('jdom').lastSeq('s')).toBe(1);
      // Reads and no-op truncations of an unused domain record no kind.
      expect(await store.journal('fresh').read('s')).toEqual([]);
      expect(await store.journal('fresh').truncateBefore('s', 10)).toBe(0);
      await store.kv('fresh').put('k', 1);
    });

    it('stats counts journal entries; a closed store rejects CLOSED', async () => {
      const store = await h.open();
      const j = store.journal('jstats');
      await j.append('a', [1, 2, 3]);
      await j.append('b', [1]);
      await j.truncateBefore('a', 2);
      const s = (await store.stats()).find((x) => x.domain === 'jstats');
      expect(s).toMatchObject({ kind: 'journal', records: 3 });
      await store.close();
      await expectCode(j.append('a', [1]), 'CLOSED');
      await expectCode(j.read('a'), 'CLOSED');
      await expectCode(j.lastSeq('a'), 'CLOSED');
      await expectCode(j.streams(), 'CLOSED');
    });

    it('random appends and truncations agree with a model (property)', async () => {
      const store = await h.open();
      let round = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              fc.record({ op: fc.constant('append' as const), n: fc.integer({ min: 1, max: 5 }) }),
              fc.record({ op: fc.constant('truncate' as const), before: fc.integer({ min: 0, max: 30 }) }),
              fc.record({
                op: fc.constant('read' as const),
                from: fc.integer({ min: 0, max: 30 }),
                to: fc.integer({ min: 0, max: 30 }),
                limit: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
                reverse: fc.boolean(),
              }),
            ),
            { minLength: 1, maxLength: 20 },
          ),
          async (ops) => {
            const stream = `p${round++}`;
            const j = store.journal<number>('model');
            let last = 0;
            let kept: number[] = [];
            for (const o of ops) {
              if (o.op === 'append') {
                const values = range(last + 1, last + o.n);
                expect(await j.append(stream, values)).toEqual({ firstSeq: last + 1, lastSeq: last + o.n });
                kept.push(...values);
                last += o.n;
              } else if (o.op === 'truncate') {
                const removed = kept.filter((s) => s < o.before).length;
                expect(await j.truncateBefore(stream, o.before)).toBe(removed);
                kept = kept.filter((s) => s >= o.before);
              } else {
                let want = kept.filter((s) => s >= o.from && s <= o.to);
                if (o.reverse) want = want.reverse();
                if (o.limit !== undefined) want = want.slice(0, o.limit);
                const got = await j.read(stream, {
                  fromSeq: o.from,
                  toSeq: o.to,
                  reverse: o.reverse,
                  ...(o.limit === undefined ? {} : { limit: o.limit }),
                });
                expect(got.map((e) => [e.seq, e.value])).toEqual(want.map((s) => [s, s]));
              }
            }
            expect(await j.lastSeq(stream)).toBe(last);
          },
        ),
        { numRuns: 25 },
      );
    });

    it.skipIf(!h.caps.persistent)(
      'a second store instance on the same dataDir continues the seq; interleaved appends stay gap-free',
      async () => {
        const a = await h.open();
        await a.journal('j').append('s', [1, 2], { validTime: 9 });
        const b = await h.open();
        expect(await b.journal('j').lastSeq('s')).toBe(2);
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).journal('j').append('s', [i, i])));
        const covered = results.flatMap((r) => range(r.firstSeq, r.lastSeq)).sort((x, y) => x - y);
        expect(covered).toEqual(range(3, 42));
        await a.close();
        const c = await h.open();
        const read = await c.journal('j').read('s');
        expect(seqs(read)).toEqual(range(1, 42));
        expect(read[0]).toMatchObject({ seq: 1, value: 1, validTime: 9 });
        await expectCode(c.kv('j').get('x'), 'WRONG_KIND');
      },
    );
  });
}

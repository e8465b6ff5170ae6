import type { Bytes } from '@agentstore/core/spi';
import { describe, expect, it } from 'vitest';
import { ReadBatcher } from '../src/read-batch.js';
import { b } from './helpers.js';

/** A fake statement runner: records each statement's keys and answers when the test says so. */
function fakeRunner(store: Map<number, Bytes>) {
  const statements: Array<{ keys: number[]; answer: () => void; fail: (error: unknown) => void }> = [];
  const run = (keys: Bytes[]) =>
    new Promise<Array<[Bytes, Bytes]>>((resolve, reject) => {
      const ids = keys.map((k) => k[0] as number);
      statements.push({
        keys: ids,
        answer: () => resolve(ids.flatMap((id) => (store.has(id) ? [[b(id), store.get(id) as Bytes] as [Bytes, Bytes]] : []))),
        fail: reject,
      });
    });
  return { run, statements };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ReadBatcher (coalesced point reads, no server)', () => {
  it('sends a lone call at once; calls made while statements run go together, deduplicated, in the next one', async () => {
    const store = new Map([
      [1, b(10)],
      [2, b(20)],
      [3, b(30)],
    ]);
    const { run, statements } = fakeRunner(store);
    const reads = new ReadBatcher(run, 1, 100);
    const first = reads.read([b(1)]);
    expect(statements.map((s) => s.keys)).toEqual([[1]]);
    const waiting = [reads.read([b(2)]), reads.read([b(2), b(3)]), reads.read([b(4)]), reads.read([b(1)])];
    await tick();
    expect(statements).toHaveLength(1);
    statements[0]?.answer();
    expect((await first).get('\u0001')?.[0]).toBe(10);
    await tick();
    expect(statements.map((s) => s.keys)).toEqual([[1], [2, 3, 4, 1]]);
    statements[1]?.answer();
    const answers = await Promise.all(waiting);
    expect(answers.map((found) => [...found.values()].map((v) => v[0]))).toEqual([
      [20, 30, 10],
      [20, 30, 10],
      [20, 30, 10],
      [20, 30, 10],
    ]);
    expect(answers[2]?.has('\u0004')).toBe(false);
  });

  it('keeps maxInFlight statements running, splits at maxKeys by whole calls, and fails only the calls of a failed statement', async () => {
    const { run, statements } = fakeRunner(new Map([[9, b(90)]]));
    const reads = new ReadBatcher(run, 2, 3);
    const a = reads.read([b(1)]);
    const c = reads.read([b(2)]);
    expect(statements).toHaveLength(2);
    const later = [reads.read([b(3), b(4)]), reads.read([b(5)]), reads.read([b(6), b(7)]), reads.read([b(9)])];
    statements[0]?.fail(new Error('connection lost'));
    await expect(a).rejects.toThrow('connection lost');
    await tick();
    // One slot freed: the next calls up to 3 keys, whole calls only.
    expect(statements.map((s) => s.keys)).toEqual([[1], [2], [3, 4, 5]]);
    statements[1]?.answer();
    await c;
    await tick();
    expect(statements.map((s) => s.keys).slice(3)).toEqual([[6, 7, 9]]);
    statements[2]?.answer();
    statements[3]?.answer();
    const [x, y, z, w] = await Promise.all(later);
    expect([x?.size, y?.size, z?.size, w?.get('\u0009')?.[0]]).toEqual([0, 0, 1, 90]);
  });

  it('a call bigger than maxKeys goes alone', async () => {
    const { run, statements } = fakeRunner(new Map());
    const reads = new ReadBatcher(run, 1, 2);
    const first = reads.read([b(1)]);
    const big = reads.read([b(2), b(3), b(4)]);
    const small = reads.read([b(5)]);
    statements[0]?.answer();
    await first;
    await tick();
    expect(statements.map((s) => s.keys)).toEqual([[1], [2, 3, 4]]);
    statements[1]?.answer();
    await big;
    await tick();
    expect(statements.map((s) => s.keys)).toEqual([[1], [2, 3, 4], [5]]);
    statements[2]?.answer();
    await small;
  });
});

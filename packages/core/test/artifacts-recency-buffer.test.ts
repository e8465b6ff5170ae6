/**
 * The in-memory buffer of artifact uses (`get` hits) not yet written to the LRU index: a key used
 * again while its use is pending is updated in place, yet `take()` still lists the uses in the order
 * they last happened, and `settle()` keeps a use recorded again after the transaction took it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RecencyBuffer } from '../src/artifacts/recency.js';

const buffers: RecencyBuffer[] = [];
/** A buffer whose background flushes write nothing (the tests call take/settle themselves). */
function buffer(): RecencyBuffer {
  const b = new RecencyBuffer(async () => {});
  buffers.push(b);
  return b;
}

afterEach(() => {
  for (const b of buffers.splice(0)) b.stop();
});

describe('RecencyBuffer', () => {
  it('lists uses in the order they last happened, a key used again moving last', () => {
    const b = buffer();
    b.record('a', 1);
    b.record('b', 2);
    b.record('c', 3);
    b.record('a', 1);
    b.record('b', 4);
    expect(b.take().map((u) => [u.key, u.blob])).toEqual([
      ['c', 3],
      ['a', 1],
      ['b', 4],
    ]);
  });

  it('keeps a use recorded again after a transaction took the earlier one', () => {
    const b = buffer();
    b.record('a', 1);
    b.record('b', 1);
    const taken = b.take();
    b.record('a', 1); // used again while the transaction that took `a` commits
    b.settle(taken);
    expect(b.take().map((u) => u.key)).toEqual(['a']);
    expect(b.pending('b')).toBeUndefined();
    expect(b.pending('a')?.blob).toBe(1);
  });

  it('hands out copies: a later hit does not change what a transaction took', () => {
    const b = buffer();
    b.record('a', 1);
    const [taken] = b.take();
    const seen = b.pending('a');
    b.record('a', 2);
    expect(taken?.blob).toBe(1);
    expect(seen?.blob).toBe(1);
    expect(b.pending('a')?.blob).toBe(2);
  });
});

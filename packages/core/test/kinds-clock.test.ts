/** Journal and versioned commit times never decrease within a stream or key, even when the clock steps back. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStore } from '../src/index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Makes Date.now() return the given times in turn (the last one from then on). */
function clock(...times: number[]): void {
  let i = 0;
  vi.spyOn(Date, 'now').mockImplementation(() => times[Math.min(i++, times.length - 1)] as number);
}

describe('commit times when the clock steps back', () => {
  it('journal txTime stays at the stream high-water mark', async () => {
    const store = await createStore({ default: { adapter: 'memory' } });
    const j = store.journal('j');
    clock(5_000);
    await j.append('s', ['a']);
    clock(1_000);
    await j.append('s', ['b']);
    await j.append('other', ['c']);
    clock(7_000);
    await j.append('s', ['d']);
    expect((await j.read('s')).map((e) => e.txTime)).toEqual([5_000, 5_000, 7_000]);
    // Another stream has its own high-water mark.
    expect((await j.read('other'))[0]?.txTime).toBe(1_000);
    await store.close();
  });

  it('versioned txTime stays at the key high-water mark and commit order still decides', async () => {
    const store = await createStore({ default: { adapter: 'memory' } });
    const v = store.versioned('v');
    clock(5_000);
    await v.put('k', 'first', { validFrom: 0 });
    clock(1_000);
    await v.put('k', 'second', { validFrom: 0 });
    const history = await v.history('k');
    expect(history.map((x) => [x.value, x.txTime])).toEqual([
      ['first', 5_000],
      ['second', 5_000],
    ]);
    expect(await v.get('k', { asOfTx: 5_000, asOfValid: 1 })).toBe('second');
    expect(await v.get('k', { asOfTx: 4_999, asOfValid: 1 })).toBeUndefined();
    // A default validFrom is the recorded transaction time, not the stepped-back clock.
    await v.put('d', 'x');
    clock(5_000, 5_000);
    await v.put('d', 'y');
    expect((await v.history('d')).map((x) => x.validFrom)).toEqual([1_000, 5_000]);
    await store.close();
  });
});

describe('deep freeze of snapshots', () => {
  it('a snapshot holding a typed array, a Date and a null-prototype object decodes frozen where it can', async () => {
    const store = await createStore({ default: { adapter: 'memory' } });
    const s = store.snapshots('s');
    const bare = Object.create(null) as Record<string, unknown>;
    bare.x = [1];
    await s.put({ bytes: new Uint8Array([1, 2]), when: new Date(3), bare, deep: [[[{ a: 1 }]]] });
    const got = (await s.get())?.snapshot as { bytes: Uint8Array; when: Date; bare: { x: number[] }; deep: unknown[][][] };
    expect(Object.isFrozen(got.bare)).toBe(true);
    expect(Object.isFrozen(got.bare.x)).toBe(true);
    expect(Object.isFrozen(got.deep[0]?.[0]?.[0])).toBe(true);
    expect(Object.isFrozen(got.bytes)).toBe(false);
    expect(got.bytes).toEqual(new Uint8Array([1, 2]));
    await store.close();
  });
});

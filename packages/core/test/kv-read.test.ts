import { describe, expect, it } from 'vitest';
import { defaultCodec } from '../src/codec/index.js';
import { decodeKey, encodeKey } from '../src/keys/index.js';
import { type AsyncKvReads, FirstRead, replayRead, SyncKvReader } from '../src/kv/kv-read.js';
import { encodeValue } from '../src/kv/value-envelope.js';
import type { ByteRange, SyncReader } from '../src/spi/backend.js';
import type { Key, KvReader, Range } from '../src/types.js';

/** An in-memory kv whose reads are counted: the async handle reads `replayRead` fetches through. */
function countedKv(entries: ReadonlyArray<readonly [Key, unknown]>): AsyncKvReads<unknown> & { fetches: number } {
  const map = new Map(entries.map(([k, v]) => [JSON.stringify(k), v]));
  const kv = {
    fetches: 0,
    async get(key: Key) {
      kv.fetches++;
      return map.get(JSON.stringify(key));
    },
    async getMany(keys: readonly Key[]) {
      kv.fetches++;
      return keys.map((key) => map.get(JSON.stringify(key)));
    },
    async *entries(range: Range): AsyncIterable<[Key, unknown]> {
      kv.fetches++;
      const all = entries.filter(([k]) =>
        range.prefix === undefined ? true : JSON.stringify(k).startsWith(JSON.stringify(range.prefix).slice(0, -1)),
      );
      for (const [k, v] of all.slice(0, range.limit)) yield [k, v];
    },
    async *keys(range: Range): AsyncIterable<Key> {
      for await (const [k] of kv.entries(range)) yield k;
    },
  };
  return kv;
}

describe('kv read without synchronous reads (replayRead)', () => {
  it('runs the function again after each read it asked for, each read fetched once', async () => {
    const kv = countedKv([
      [['t', 1], 'a'],
      [['t', 2], 'b'],
      ['x', 'pointer'],
    ]);
    let runs = 0;
    const result = await replayRead((r: KvReader<unknown>) => {
      runs++;
      const first = r.get('x');
      const rows = r.entries({ prefix: ['t'], limit: 5 });
      return [first, rows.map(([, v]) => v), r.getMany(['x', 'missing'])];
    }, kv);
    expect(result).toEqual(['pointer', ['a', 'b'], ['pointer', undefined]]);
    expect(kv.fetches).toBe(3);
    expect(runs).toBe(4);
  });

  it('still fetches and runs again when the function caught the marker of a read not fetched yet', async () => {
    const kv = countedKv([['x', 7]]);
    const result = await replayRead((r: KvReader<unknown>) => {
      try {
        return r.get('x');
      } catch {
        return 'swallowed';
      }
    }, kv);
    expect(result).toBe(7);
  });

  it("passes the function's own errors as they are, and a failed fetch's", async () => {
    const own = new Error('own');
    await expect(
      replayRead(() => {
        throw own;
      }, countedKv([])),
    ).rejects.toBe(own);
    const failing = { ...countedKv([]), get: () => Promise.reject(new Error('fetch failed')) };
    await expect(replayRead((r: KvReader<unknown>) => r.get('x'), failing)).rejects.toThrow('fetch failed');
  });
});

describe('kv read with one engine call (FirstRead)', () => {
  const rows: Array<[Uint8Array, Uint8Array]> = [
    [encodeKey(['t', 1]), encodeValue(defaultCodec, 'a', 1024)],
    [encodeKey(['t', 2]), encodeValue(defaultCodec, 'b', 1024)],
  ];
  const single = () => {
    const calls: string[] = [];
    return {
      calls,
      getSync: (key: Uint8Array) => {
        calls.push(`get ${JSON.stringify(decodeKey(key))}`);
        return undefined;
      },
      rangeSync: (range: ByteRange) => {
        calls.push(`range ${range.limit}`);
        return rows.slice(0, range.limit);
      },
    };
  };
  const reader = (first: SyncReader) => new SyncKvReader(first, defaultCodec, () => true);

  it('answers a read of one range from one call', () => {
    const reads = single();
    const first = new FirstRead(reads);
    expect(reader(first).entries({ prefix: ['t'], limit: 2 })).toEqual([
      [['t', 1], 'a'],
      [['t', 2], 'b'],
    ]);
    expect(first.more).toBe(false);
    expect(reads.calls).toEqual(['range 2']);
  });

  it('asks for the whole read again at a second read or a getMany, without making it', () => {
    const reads = single();
    const first = new FirstRead(reads);
    const kv = reader(first);
    expect(kv.get('x')).toBeUndefined();
    expect(() => kv.entries({ prefix: ['t'], limit: 1 })).toThrow();
    expect(first.more).toBe(true);
    expect(reads.calls).toEqual(['get "x"']);
    const again = new FirstRead(single());
    expect(() => reader(again).getMany(['x'])).toThrow();
    expect(again.more).toBe(true);
  });
});

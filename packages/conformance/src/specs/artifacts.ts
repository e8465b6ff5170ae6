import { createHash } from 'node:crypto';
import { type ArtifactStore, prefixKey, type Store } from '@agentstore/core';
import { describe, expect, it } from 'vitest';
import { bytes, expectCode, expectPlainBytes, type Harness } from '../harness.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A blob whose bytes depend on `seed`, so a mix-up between blobs shows. */
const blob = (n: number, seed: number): Uint8Array => bytes(n, seed * 7);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Pieces of `data` of irregular sizes, yielded asynchronously. */
async function* pieces(data: Uint8Array, sizes: number[] = [1, 99_999, 300_000, 7]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < data.byteLength; i++) {
    const n = sizes[i % sizes.length] as number;
    yield data.subarray(at, at + n);
    at += n;
    await Promise.resolve();
  }
}

/** The key layout documented for `putPrefix`, computed independently. */
function expectedPrefixKey(tokens: number[], namespace: string): string {
  const ns = Buffer.from(namespace, 'utf8');
  const body = Buffer.alloc(4 + ns.byteLength + tokens.length * 4);
  body.writeUInt32LE(ns.byteLength, 0);
  ns.copy(body, 4);
  for (const [i, t] of tokens.entries()) body.writeUInt32LE(t, 4 + ns.byteLength + i * 4);
  return `tok:${createHash('sha256').update(body).digest('hex')}`;
}

/** Byte equality without vitest's element-by-element diff (slow on large arrays). */
function expectBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual, 'expected bytes, got undefined').toBeInstanceOf(Uint8Array);
  const a = actual as Uint8Array;
  expect(a.byteLength).toBe(expected.byteLength);
  expect(
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)),
    'bytes differ',
  ).toBe(true);
}

async function expectClean(a: ArtifactStore): Promise<void> {
  const audit = await a.audit();
  expect(audit.orphanBlobs).toBe(0);
  expect(audit.pendingBlobs).toBe(0);
  expect(audit.liveBytes).toBe(audit.usedBytes);
  expect(audit.chunkBytes).toBe(audit.usedBytes);
}

/** SPEC §5 Artifacts: blobs, budget, LRU, leases, reservations, streams, token prefixes. */
export function artifactsSpec(h: Harness): void {
  describe('artifacts', () => {
    it('put/get/has/stat/delete round-trip bytes, tier and meta; get returns plain fresh bytes', async () => {
      const a = (await h.open()).artifacts('art');
      expect(await a.get('x')).toBeUndefined();
      expect(await a.has('x')).toBe(false);
      expect(await a.stat('x')).toBeUndefined();
      expect(await a.delete('x')).toBe(false);
      const stat = await a.put('x', blob(1000, 1), { tier: 'ram', meta: { model: 'm', n: [1, 2] } });
      expect(stat).toMatchObject({ key: 'x', size: 1000, tier: 'ram', meta: { model: 'm', n: [1, 2] }, leases: 0 });
      const got = await a.get('x');
      expectPlainBytes(got);
      expect(got).toEqual(blob(1000, 1));
      (got as Uint8Array)[0] = 255; // the caller owns what it got
      expectBytes(await a.get('x'), blob(1000, 1));
      expect(await a.has('x')).toBe(true);
      expect(await a.stat('x')).toMatchObject({ size: 1000, tier: 'ram', meta: { model: 'm', n: [1, 2] } });
      await a.put('empty', new Uint8Array(0));
      expectBytes(await a.get('empty'), new Uint8Array(0));
      expect((await a.stat('empty'))?.tier).toBe('disk');
      expect(await a.delete('x')).toBe(true);
      expect(await a.get('x')).toBeUndefined();
      expect(await a.delete('x')).toBe(false);
      expect(await a.usage()).toMatchObject({ usedBytes: 0, count: 1 });
      await expectClean(a);
    });

    it('get hands out bytes the caller owns, for a disk blob read whole and a multi-chunk one', async () => {
      const a = (await h.open()).artifacts('art');
      // 100 KiB is stored as one chunk (read back whole), 600 KiB + 3 as several.
      for (const [key, size] of [
        ['whole', 100 * KiB],
        ['chunked', 600 * KiB + 3],
      ] as const) {
        await a.put(key, blob(size, 5));
        const got = (await a.get(key)) as Uint8Array;
        expectPlainBytes(got);
        got.fill(0); // changing it must not change what the store holds
        expectBytes(await a.get(key), blob(size, 5));
      }
    });

    it('put copies what it keeps in memory: changing the caller Buffer afterwards changes nothing stored', async () => {
      const a = (await h.open()).artifacts('art');
      for (const tier of ['ram', 'disk'] as const) {
        // A Buffer's slice() is a view of the same memory: a `ram` blob kept through it would change too.
        const mine = Buffer.from(blob(1000, 7));
        await a.put(`mine-${tier}`, mine, { tier });
        mine.fill(0);
        expectBytes(await a.get(`mine-${tier}`), blob(1000, 7));
        const got = (await a.get(`mine-${tier}`)) as Uint8Array;
        got.fill(1); // and what a get handed out
        expectBytes(await a.get(`mine-${tier}`), blob(1000, 7));
      }
      const reservation = await a.reserve('reserved');
      const theirs = Buffer.from(blob(500, 3));
      await reservation.commit(theirs, { tier: 'ram' });
      theirs.fill(0);
      expectBytes(await a.get('reserved'), blob(500, 3));
    });

    it('multi-chunk blobs round-trip; put replaces a blob and its accounting', async () => {
      const a = (await h.open()).artifacts('art');
      const big = blob(600 * KiB + 3, 2);
      await a.put('big', big);
      expectBytes(await a.get('big'), big);
      expect((await a.usage()).usedBytes).toBe(big.byteLength);
      await a.put('big', blob(10, 3), { tier: 'ram' });
      expectBytes(await a.get('big'), blob(10, 3));
      expect(await a.usage()).toMatchObject({
        usedBytes: 10,
        count: 1,
        tiers: { ram: { usedBytes: 10, count: 1 }, disk: { usedBytes: 0, count: 0 } },
      });
      await expectClean(a);
    });

    it('the input buffer may be reused after put resolves', async () => {
      const a = (await h.open()).artifacts('art');
      const data = blob(300 * KiB, 4);
      await a.put('k', data, { tier: 'ram' });
      data.fill(0);
      expectBytes(await a.get('k'), blob(300 * KiB, 4));
    });

    it('invalid keys, values and options are rejected before anything is written', async () => {
      const store = await h.open();
      const a = store.artifacts('art');
      for (const key of ['', 'a\uD800', 'x'.repeat(513), 7, null, ['a']]) {
        await expectCode(a.put(key as string, blob(1, 0)), 'INVALID_KEY');
        await expectCode(a.get(key as string), 'INVALID_KEY');
      }
      await a.put('é'.repeat(256), blob(1, 0)); // 512 UTF-8 bytes is the limit
      await expectCode(a.put('k', 'text' as unknown as Uint8Array), 'INVALID_VALUE');
      await expectCode(a.put('k', blob(1, 0), { tier: 'cpu' as 'ram' }), 'INVALID_VALUE');
      await expectCode(a.put('k', blob(1, 0), { meta: { f: () => 1 } as never }), 'INVALID_VALUE');
      await expectCode(a.put('k', blob(1, 0), { meta: [] as never }), 'INVALID_VALUE');
      await expectCode(a.evictBytes(-1), 'INVALID_VALUE');
      await expectCode(a.evictBytes(1, { tiers: ['tape' as 'ram'] }), 'INVALID_VALUE');
      await expectCode(a.checkout('k', { ttlMs: 0 }), 'INVALID_VALUE');
      await expectCode(a.reserve('k', { ttlMs: 1.5 }), 'INVALID_VALUE');
      await expectCode(a.getOrWait('k', -1), 'INVALID_VALUE');
      await expectCode(a.getOrWait('k', Number.NaN), 'INVALID_VALUE');
      await expectCode(a.lru({ limit: -1 }), 'INVALID_VALUE');
      await expectCode(a.setBudget({ budgetBytes: 1.5 }), 'INVALID_VALUE');
      await expectCode(a.putStream('k', 5 as never), 'INVALID_VALUE');
      await expectCode(a.putStream('k', ['no bytes'] as never), 'INVALID_VALUE');
      // A bad policy surfaces from the first call, never from the accessor.
      const bad = store.artifacts('art', { budgetBytes: -5 });
      await expectCode(bad.get('k'), 'INVALID_VALUE');
      await expectCode(store.artifacts('art', { nope: 1 } as never).has('k'), 'INVALID_VALUE');
      await expectCode(store.artifacts('art', { tiers: { gpu: {} } } as never).has('k'), 'INVALID_VALUE');
      expect(await a.has('k')).toBe(false);
      expect((await a.usage()).count).toBe(1);
    });

    it('maxValueBytes bounds put and commit (VALUE_TOO_LARGE) but not putStream; a blob over the budget is VALUE_TOO_LARGE', async () => {
      const store = await h.open({ domains: { small: { maxValueBytes: 1000 } } });
      const a = store.artifacts('small');
      await expectCode(a.put('k', blob(1001, 0)), 'VALUE_TOO_LARGE');
      const r = await a.reserve('r');
      await expectCode(r.commit(blob(1001, 0)), 'VALUE_TOO_LARGE');
      await a.putStream('s', pieces(blob(5000, 5)));
      expectBytes(await a.get('s'), blob(5000, 5));
      const b = store.artifacts('budgeted', { budgetBytes: 100 });
      await b.put('fits', blob(100, 1));
      await expectCode(b.put('k', blob(101, 0)), 'VALUE_TOO_LARGE');
      await expectCode(b.putStream('k', pieces(blob(101, 0), [50])), 'VALUE_TOO_LARGE');
      expect(await b.lru()).toEqual(['fits']);
      await expectClean(b);
    });

    it('evicts least recently used first to stay within the budget (inclusive); get and put move a blob up', async () => {
      const a = (await h.open()).artifacts('art', { budgetBytes: 300 });
      await a.put('a', blob(100, 1));
      await a.put('b', blob(100, 2));
      await a.put('c', blob(100, 3)); // exactly the budget
      expect(await a.lru()).toEqual(['a', 'b', 'c']);
      await a.get('a');
      expect(await a.lru()).toEqual(['b', 'c', 'a']);
      await a.put('d', blob(100, 4));
      expect(await a.has('b')).toBe(false);
      expect(await a.lru()).toEqual(['c', 'a', 'd']);
      await a.put('c', blob(50, 5)); // a replaced blob moves up and frees its old size
      expect(await a.lru()).toEqual(['a', 'd', 'c']);
      await a.put('e', blob(200, 6));
      expect(await a.lru()).toEqual(['c', 'e']);
      expect((await a.usage()).usedBytes).toBe(250);
      await expectClean(a);
    });

    it('has, stat, checkout, release and longestPrefix do not move a blob', async () => {
      const a = (await h.open()).artifacts('art');
      await a.put('a', blob(1, 1));
      await a.putPrefix([1, 2, 3, 4], blob(1, 2));
      await a.put('c', blob(1, 3));
      const before = await a.lru();
      const lastUsed = (await a.stat('a'))?.lastUsed;
      await a.has('a');
      await a.stat('a');
      const lease = await a.checkout('a');
      await lease?.release();
      expect(await a.longestPrefix([1, 2, 3, 4, 5], { stride: 2 })).toMatchObject({ prefixLength: 4 });
      expect(await a.lru()).toEqual(before);
      expect((await a.stat('a'))?.lastUsed).toBe(lastUsed);
      await sleep(2);
      await a.get('a');
      expect(await a.lru()).toEqual([before[1], before[2], 'a']);
      expect((await a.stat('a'))?.lastUsed).toBeGreaterThan(lastUsed as number);
    });

    it('the budget is a domain setting: recorded by the first write, kept over other handles, changed by setBudget', async () => {
      const store = await h.open();
      expect(await store.artifacts('art', { budgetBytes: 250 }).usage()).toMatchObject({ budgetBytes: null });
      await store.artifacts('art', { budgetBytes: 250 }).put('a', blob(100, 1));
      const plain = store.artifacts('art');
      expect((await plain.usage()).budgetBytes).toBe(250);
      const other = store.artifacts('art', { budgetBytes: 10_000 });
      await other.put('b', blob(100, 2));
      await other.put('c', blob(100, 3));
      expect(await other.lru()).toEqual(['b', 'c']); // 250 still applies
      expect(await plain.setBudget({ budgetBytes: 100 })).toMatchObject({ budgetBytes: 100, usedBytes: 100, count: 1 });
      expect(await plain.lru()).toEqual(['c']);
      await plain.setBudget({ budgetBytes: null });
      await plain.put('big', blob(5000, 4));
      expect((await plain.usage()).budgetBytes).toBeNull();
      // An explicit "no budget" is a recorded setting too: a handle naming one does not override it.
      await store.artifacts('art', { budgetBytes: 1 }).put('d', blob(10, 5));
      expect((await plain.usage()).budgetBytes).toBeNull();
    });

    it('tier budgets evict within their tier; evictBytes frees at least the target, LRU first, only from the given tiers', async () => {
      const a = (await h.open()).artifacts('art', { tiers: { ram: { budgetBytes: 200 } } });
      await a.put('r1', blob(100, 1), { tier: 'ram' });
      await a.put('d1', blob(100, 2));
      await a.put('r2', blob(100, 3), { tier: 'ram' });
      await a.put('d2', blob(100, 4));
      await a.put('r3', blob(100, 5), { tier: 'ram' }); // evicts r1 only
      expect(await a.lru()).toEqual(['d1', 'r2', 'd2', 'r3']);
      expect(await a.lru({ tiers: ['ram'] })).toEqual(['r2', 'r3']);
      expect(await a.usage()).toMatchObject({
        tiers: { ram: { budgetBytes: 200, usedBytes: 200, count: 2 }, disk: { budgetBytes: null, usedBytes: 200 } },
      });
      await expectCode(a.put('r4', blob(201, 6), { tier: 'ram' }), 'VALUE_TOO_LARGE');
      expect(await a.evictBytes(0)).toEqual({ evicted: 0, freedBytes: 0 });
      expect(await a.evictBytes(150, { tiers: ['disk'] })).toEqual({ evicted: 2, freedBytes: 200 });
      expect(await a.lru()).toEqual(['r2', 'r3']);
      expect(await a.evictBytes(1)).toEqual({ evicted: 1, freedBytes: 100 });
      expect(await a.evictBytes(10_000)).toEqual({ evicted: 1, freedBytes: 100 });
      expect(await a.evictBytes(10_000)).toEqual({ evicted: 0, freedBytes: 0 });
      await expectClean(a);
    });

    it('a leased blob is never evicted; BUSY when leases leave no room, writing nothing', async () => {
      const a = (await h.open()).artifacts('art', { budgetBytes: 300 });
      await a.put('a', blob(100, 1));
      await a.put('b', blob(100, 2));
      await a.put('c', blob(100, 3));
      expect(await a.checkout('zz')).toBeUndefined();
      const la = await a.checkout('a');
      expect(la).toMatchObject({ key: 'a', size: 100 });
      expect((await a.stat('a'))?.leases).toBe(1);
      await a.put('d', blob(100, 4)); // skips leased a, evicts b
      expect(await a.lru()).toEqual(['a', 'c', 'd']);
      expect(await a.evictBytes(1000)).toEqual({ evicted: 2, freedBytes: 200 });
      expect(await a.lru()).toEqual(['a']);
      const lb = await a.checkout('a'); // two leases on one blob
      await a.put('e', blob(200, 5));
      const eLease = await a.checkout('e');
      await expectCode(a.put('f', blob(1, 6)), 'BUSY');
      await expectCode(a.put('e', blob(250, 7)), 'BUSY'); // replacing frees e's 200, but 'a' is pinned
      expect(await a.has('f')).toBe(false);
      expectBytes(await a.get('e'), blob(200, 5));
      expect(await a.usage()).toMatchObject({ usedBytes: 300, count: 2 });
      expect(await la?.release()).toBe(true);
      expect(await la?.release()).toBe(false);
      await expectCode(a.put('f', blob(1, 6)), 'BUSY'); // still pinned by the second lease
      await lb?.release();
      await eLease?.release();
      await a.put('f', blob(1, 6));
      expect(await a.has('a')).toBe(false);
      await expectClean(a);
    });

    it('a lease lapses at its expiry and can be renewed before', async () => {
      const a = (await h.open()).artifacts('art', { budgetBytes: 200, leaseTtlMs: 300 });
      await a.put('a', blob(100, 1));
      await a.put('b', blob(100, 2));
      const short = await a.checkout('a');
      const long = await a.checkout('b', { ttlMs: 60_000 });
      expect(long && long.expiresAt - Date.now()).toBeGreaterThan(50_000);
      const renewed = await short?.renew(400);
      expect(renewed).toBe(short?.expiresAt);
      await expectCode(a.put('c', blob(100, 3)), 'BUSY');
      await sleep(450);
      expect((await a.stat('a'))?.leases).toBe(0);
      await expectCode(short?.renew() as Promise<number>, 'CONFLICT');
      await a.put('c', blob(100, 3)); // a's lease lapsed
      expect(await a.lru()).toEqual(['b', 'c']);
      expect(await short?.release()).toBe(false);
      await long?.release();
    });

    it('reservations: CONFLICT on an existing or reserved key; commit stores and ends it; abort ends it', async () => {
      const a = (await h.open()).artifacts('art');
      await a.put('exists', blob(1, 1));
      await expectCode(a.reserve('exists'), 'CONFLICT');
      const r = await a.reserve('k');
      expect(r.key).toBe('k');
      expect(r.expiresAt).toBeGreaterThan(Date.now());
      await expectCode(a.reserve('k'), 'CONFLICT');
      expect(await a.has('k')).toBe(false);
      const stat = await r.commit(blob(500, 2), { tier: 'ram', meta: { step: 1 } });
      expect(stat).toMatchObject({ key: 'k', size: 500, tier: 'ram', meta: { step: 1 } });
      expectBytes(await a.get('k'), blob(500, 2));
      expect((await a.lru()).at(-1)).toBe('k'); // commit counts as use
      await expectCode(r.commit(blob(1, 3)), 'CONFLICT');
      await expectCode(a.reserve('k'), 'CONFLICT');
      const r2 = await a.reserve('k2');
      expect(await r2.abort()).toBe(true);
      expect(await r2.abort()).toBe(false);
      await expectCode(r2.commit(blob(1, 3)), 'CONFLICT');
      const r3 = await a.reserve('k2');
      await r3.commitStream(pieces(blob(700 * KiB, 4)));
      expectBytes(await a.get('k2'), blob(700 * KiB, 4));
      await expectClean(a);
    });

    it('a reservation lapses after its ttl: commit is CONFLICT and the key can be reserved again', async () => {
      const a = (await h.open()).artifacts('art', { reservationTtlMs: 200 });
      const r = await a.reserve('k');
      const kept = await a.reserve('kept', { ttlMs: 60_000 });
      await sleep(50);
      await r.renew(250);
      await sleep(350);
      await expectCode(r.commit(blob(1, 1)), 'CONFLICT');
      await expectCode(r.renew(), 'CONFLICT');
      expect(await a.has('k')).toBe(false);
      const again = await a.reserve('k');
      await expectCode(r.commit(blob(1, 1)), 'CONFLICT'); // the old handle never steals the new reservation
      await again.commit(blob(2, 2));
      expectBytes(await a.get('k'), blob(2, 2));
      const gc = await a.gc();
      expect(gc.reservations).toBe(0); // 'kept' is live, 'k' was taken over
      await kept.abort();
    });

    it('getOrWait: the blob at once; undefined at once without blob or reservation; wakes on commit; undefined at the timeout or on abort', async () => {
      const a = (await h.open()).artifacts('art');
      await a.put('here', blob(10, 1));
      expectBytes(await a.getOrWait('here', 1000), blob(10, 1));
      let t = Date.now();
      expect(await a.getOrWait('nothing', 5000)).toBeUndefined();
      expect(Date.now() - t).toBeLessThan(1000);
      const r = await a.reserve('k');
      t = Date.now();
      const waiting = a.getOrWait('k', 10_000);
      await sleep(30);
      await r.commit(blob(20, 2));
      expectBytes(await waiting, blob(20, 2));
      expect(Date.now() - t).toBeLessThan(2000);
      const r2 = await a.reserve('slow');
      t = Date.now();
      expect(await a.getOrWait('slow', 80)).toBeUndefined();
      expect(Date.now() - t).toBeGreaterThanOrEqual(75);
      const aborted = a.getOrWait('slow', 10_000);
      await sleep(20);
      t = Date.now();
      await r2.abort();
      expect(await aborted).toBeUndefined();
      expect(Date.now() - t).toBeLessThan(2000);
      const many = await a.reserve('many');
      const waiters = Promise.all([a.getOrWait('many', 5000), a.getOrWait('many', 5000), a.getOrWait('many', 5000)]);
      await many.commit(blob(3, 3));
      expect(await waiters).toEqual([blob(3, 3), blob(3, 3), blob(3, 3)]);
    });

    it.skipIf(!h.caps.persistent)("getOrWait in a second store instance wakes on the first one's commit (polling)", async () => {
      const writer = (await h.open()).artifacts('art');
      const reader = (await h.open()).artifacts('art');
      const r = await writer.reserve('k');
      const waiting = reader.getOrWait('k', 10_000);
      await sleep(50);
      await r.commit(blob(30, 4));
      expectBytes(await waiting, blob(30, 4));
    });

    it('putStream stores chunks of any size and is invisible until complete; getStream reads it back in chunks', async () => {
      const a = (await h.open()).artifacts('art');
      const data = blob(2 * MiB + 12_345, 8);
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => {
        release = r;
      });
      async function* slow(): AsyncGenerator<Uint8Array> {
        yield data.subarray(0, 1.5 * MiB);
        await gate;
        yield data.subarray(1.5 * MiB);
      }
      const writing = a.putStream('s', slow(), { meta: { kind: 'file' } });
      await sleep(50);
      expect(await a.has('s')).toBe(false);
      expect(await a.get('s')).toBeUndefined();
      expect((await a.usage()).usedBytes).toBe(0);
      release();
      expect(await writing).toMatchObject({ key: 's', size: data.byteLength, meta: { kind: 'file' } });
      expectBytes(await a.get('s'), data);
      const stream = await a.getStream('s');
      expect(stream?.size).toBe(data.byteLength);
      const parts: Uint8Array[] = [];
      for await (const part of stream as AsyncIterable<Uint8Array>) {
        expectPlainBytes(part);
        parts.push(part);
      }
      expect(parts.length).toBeGreaterThan(1);
      expect(Buffer.concat(parts).equals(Buffer.from(data))).toBe(true);
      expect((await a.stat('s'))?.leases).toBe(0); // the read lease ended with the stream
      expect(await a.getStream('none')).toBeUndefined();
      await a.putStream('sync', [blob(3, 1), blob(4, 2)]);
      expectBytes(await a.get('sync'), new Uint8Array([...blob(3, 1), ...blob(4, 2)]));
      await a.putStream('nothing', (async function* () {})());
      expectBytes(await a.get('nothing'), new Uint8Array(0));
      await expectClean(a);
    });

    it('a stream read pins its blob against eviction until it ends', async () => {
      const a = (await h.open()).artifacts('art', { budgetBytes: 600 * KiB });
      await a.put('s', blob(500 * KiB, 1));
      const stream = await a.getStream('s');
      const it = (stream as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
      await it.next();
      await expectCode(a.put('other', blob(200 * KiB, 2)), 'BUSY');
      while (!(await it.next()).done) {}
      await a.put('other', blob(200 * KiB, 2));
      expect(await a.has('s')).toBe(false);
    });

    it('a failing stream leaves nothing readable and no chunks behind', async () => {
      const a = (await h.open()).artifacts('art');
      await a.put('s', blob(5, 1));
      async function* broken(): AsyncGenerator<Uint8Array> {
        yield blob(1.2 * MiB, 2);
        throw new Error('source failed');
      }
      await expect(a.putStream('s', broken())).rejects.toThrow('source failed');
      expectBytes(await a.get('s'), blob(5, 1)); // the previous blob stays
      await expectClean(a);
    });

    it('gc removes lapsed reservations, lapsed leases and the chunks of abandoned streams', async () => {
      const a = (await h.open()).artifacts('art', { reservationTtlMs: 40, leaseTtlMs: 40 });
      await a.reserve('r');
      await a.put('x', blob(10, 1));
      await a.checkout('x');
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => {
        release = r;
      });
      async function* stalled(): AsyncGenerator<Uint8Array> {
        yield blob(1.1 * MiB, 3);
        await gate;
        yield blob(10, 4);
      }
      const abandoned = a.putStream('st', stalled());
      // Wait for the first batch of chunks to land (slow under load), then for the write to lapse.
      for (let i = 0; i < 500 && (await a.audit()).pendingBlobs === 0; i++) await sleep(10);
      await sleep(100);
      expect((await a.audit()).pendingBlobs).toBe(1);
      const gc = await a.gc();
      expect(gc).toMatchObject({ reservations: 1, leases: 1, blobs: 1 });
      expect(gc.freedBytes).toBeGreaterThanOrEqual(MiB);
      release();
      await expectCode(abandoned, 'CONFLICT'); // collected before it finished
      expect(await a.has('st')).toBe(false);
      expect(await a.gc({ deep: true })).toEqual({ reservations: 0, leases: 0, blobs: 0, freedBytes: 0 });
      await expectClean(a);
    });

    it('putPrefix keys follow the documented layout; longestPrefix finds the longest stored stride multiple', async () => {
      const a = (await h.open()).artifacts('art');
      const tokens = Array.from({ length: 64 }, (_, i) => (i * 2_654_435_761) >>> 0);
      expect(prefixKey(tokens.slice(0, 16), 'llama')).toBe(expectedPrefixKey(tokens.slice(0, 16), 'llama'));
      expect(prefixKey(tokens.slice(0, 16))).toBe(expectedPrefixKey(tokens.slice(0, 16), ''));
      const s16 = await a.putPrefix(tokens.slice(0, 16), blob(16, 1), { namespace: 'llama' });
      expect(s16).toMatchObject({ key: expectedPrefixKey(tokens.slice(0, 16), 'llama'), prefixLength: 16, size: 16 });
      await a.putPrefix(tokens.slice(0, 48), blob(48, 2), { namespace: 'llama' });
      await a.putPrefix(tokens.slice(0, 40), blob(40, 3), { namespace: 'llama' }); // not a multiple of 16
      await a.putPrefix(tokens.slice(0, 64), blob(64, 4), { namespace: 'mistral' });
      expect(await a.longestPrefix(tokens, { stride: 16, namespace: 'llama' })).toEqual({
        key: expectedPrefixKey(tokens.slice(0, 48), 'llama'),
        prefixLength: 48,
        size: 48,
      });
      expect(await a.longestPrefix(tokens.slice(0, 47), { stride: 16, namespace: 'llama' })).toMatchObject({ prefixLength: 16 });
      expect(await a.longestPrefix(tokens.slice(0, 47), { stride: 16, minTokens: 17, namespace: 'llama' })).toBeUndefined();
      expect(await a.longestPrefix(tokens, { stride: 8, namespace: 'llama' })).toMatchObject({ prefixLength: 48 });
      expect(await a.longestPrefix(tokens, { stride: 8, minTokens: 0, namespace: 'llama' })).toMatchObject({ prefixLength: 48 });
      expect(await a.longestPrefix(tokens, { stride: 20, namespace: 'llama' })).toMatchObject({ prefixLength: 40 });
      expect(await a.longestPrefix(tokens, { stride: 16 })).toBeUndefined(); // other namespace
      expect(await a.longestPrefix(tokens, { stride: 64, namespace: 'mistral' })).toMatchObject({ prefixLength: 64 });
      expect(await a.longestPrefix([], { stride: 16 })).toBeUndefined();
      const key = (await a.longestPrefix(tokens, { stride: 16, namespace: 'llama' }))?.key as string;
      expectBytes(await a.get(key), blob(48, 2));
      expect(await a.longestPrefix(new Uint32Array(tokens), { stride: 16, namespace: 'llama' })).toMatchObject({ prefixLength: 48 });
      await expectCode(a.putPrefix([], blob(1, 0)), 'INVALID_VALUE');
      await expectCode(a.putPrefix([-1], blob(1, 0)), 'INVALID_VALUE');
      await expectCode(a.putPrefix([2 ** 32], blob(1, 0)), 'INVALID_VALUE');
      await expectCode(a.putPrefix([1.5], blob(1, 0)), 'INVALID_VALUE');
      await expectCode(a.longestPrefix(tokens, { stride: 0 }), 'INVALID_VALUE');
      await expectCode(a.longestPrefix(tokens, { stride: 4, minTokens: -1 }), 'INVALID_VALUE');
      await expectCode(a.longestPrefix(tokens, { stride: 4, namespace: 5 as never }), 'INVALID_VALUE');
      await expectCode(a.longestPrefix(tokens, undefined as never), 'INVALID_VALUE');
    });

    it('WRONG_KIND both ways; reads of a fresh domain record no kind', async () => {
      const store: Store = await h.open();
      await store.kv('kv').put('k', 1);
      const wrong = store.artifacts('kv');
      await expectCode(wrong.put('k', blob(1, 0)), 'WRONG_KIND');
      await expectCode(wrong.get('k'), 'WRONG_KIND');
      await expectCode(wrong.reserve('k'), 'WRONG_KIND');
      await expectCode(wrong.longestPrefix([1], { stride: 1 }), 'WRONG_KIND');
      await expectCode(wrong.putStream('k', [blob(1, 0)]), 'WRONG_KIND');
      await store.artifacts('art').put('k', blob(1, 0));
      await expectCode(store.kv('art').put('k', 1), 'WRONG_KIND');
      await expectCode(store.kv('art').get('k'), 'WRONG_KIND');
      await expectCode(store.checkpoints('art').save('t', { data: blob(1, 0) }), 'WRONG_KIND');
      const fresh = store.artifacts('fresh');
      expect(await fresh.get('k')).toBeUndefined();
      expect(await fresh.delete('k')).toBe(false);
      expect(await fresh.evictBytes(10)).toEqual({ evicted: 0, freedBytes: 0 });
      expect(await fresh.checkout('k')).toBeUndefined();
      expect(await fresh.getOrWait('k', 10)).toBeUndefined();
      await store.kv('fresh').put('k', 1);
      const stats = await store.stats();
      expect(stats.find((s) => s.domain === 'art')).toMatchObject({ kind: 'artifacts', records: 1 });
    });

    it('concurrent puts stay within the budget and keep the accounting exact', async () => {
      const a = (await h.open()).artifacts('art', { budgetBytes: 1000 * KiB });
      await Promise.all(Array.from({ length: 24 }, (_, i) => a.put(`k${i % 12}`, blob(((i * 37) % 200) * KiB + 1, i))));
      const usage = await a.usage();
      expect(usage.usedBytes).toBeLessThanOrEqual(1000 * KiB);
      expect((await a.lru()).length).toBe(usage.count);
      await expectClean(a);
    });

    it.skipIf(!h.caps.persistent)('blobs, LRU order, budget and leases persist across store instances', async () => {
      const first = await h.open();
      const a = first.artifacts('art', { budgetBytes: 300 });
      await a.put('a', blob(100, 1));
      await a.put('b', blob(100, 2), { tier: 'ram' });
      await a.put('c', blob(100, 3));
      await a.get('a');
      await a.checkout('b');
      await first.close();
      const b = (await h.open()).artifacts('art');
      expect(await b.lru()).toEqual(['b', 'c', 'a']);
      expect(await b.usage()).toMatchObject({ budgetBytes: 300, usedBytes: 300 });
      expectBytes(await b.get('b'), blob(100, 2));
      await b.put('d', blob(100, 4)); // b is leased (by the closed store, still unexpired): c goes
      expect(await b.lru()).toEqual(['a', 'b', 'd']);
    });
  });
}

import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { MemoryBackend } from '../../src/memory/memory-backend.js';
import type { Tx } from '../../src/spi/backend.js';
import { CommitQueue } from '../../src/spi/engine/commit-queue.js';
import { PendingReadsBackend } from '../../src/spi/engine/pending-reads.js';
import { EngineError, MapEngine, type MapEngineShape } from './map-engine.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const s = (v: Uint8Array | undefined) => (v === undefined ? undefined : Buffer.from(v).toString('latin1'));
const put = (key: string, value: string) => (tx: Tx) => tx.put(b(key), b(value));
const stored = (engine: MapEngine, key: string) => s(engine.data.get('d')?.get(key)?.[1]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const SHAPES: Array<[string, MapEngineShape]> = [
  ['sync engine (SQLite, LMDB)', { sync: true, readsOwnWrites: true, reads: 'sync' }],
  ['async engine, batch at commit (LevelDB)', { sync: false, readsOwnWrites: false, reads: 'mixed' }],
  ['async engine, every read fetched (PostgreSQL)', { sync: false, readsOwnWrites: true, reads: 'fetch' }],
];

const WINDOW = { windowMs: 40, maxBatch: 1000 };

describe.each(SHAPES)('write-behind on a %s', (_name, shape) => {
  it('acknowledges a blind fast write before it commits, shows it in the overlay, and commits it within the window', async () => {
    const engine = new MapEngine(shape);
    const queue = new CommitQueue(engine);
    await queue.transact('d', 'fast', put('a', '1'), { behind: WINDOW });
    expect(engine.commits).toBe(0);
    expect(stored(engine, 'a')).toBeUndefined();
    expect(s(queue.pending.find('d', b('a'))?.value)).toBe('1');
    await sleep(WINDOW.windowMs * 4);
    expect(engine.commits).toBe(1);
    expect(stored(engine, 'a')).toBe('1');
    expect(queue.pending.empty).toBe(true);
  });

  it('gathers the writes of a window into one commit, and commits at once when maxBatch writes wait', async () => {
    const engine = new MapEngine(shape);
    const queue = new CommitQueue(engine);
    for (let i = 0; i < 5; i++) await queue.transact('d', 'fast', put(`k${i}`, String(i)), { behind: { windowMs: 10_000, maxBatch: 5 } });
    await sleep(50);
    expect(engine.commits).toBe(1);
    expect(stored(engine, 'k4')).toBe('4');
  });

  it('makes the write that fills a batch wait for its commit, so a loop that never yields still commits', async () => {
    const engine = new MapEngine(shape);
    const queue = new CommitQueue(engine);
    // Each acknowledgement is a resolved promise: without backpressure no timer would ever run here.
    for (let i = 0; i < 50; i++) await queue.transact('d', 'fast', put(`k${i}`, String(i)), { behind: { windowMs: 10, maxBatch: 10 } });
    // Each full batch committed before the loop went on, so only the last batches may still wait.
    expect(engine.commits).toBeGreaterThanOrEqual(4);
    for (let i = 0; i < 30; i++) expect(stored(engine, `k${i}`)).toBe(String(i));
    await queue.flush();
    expect(stored(engine, 'k49')).toBe('49');
  });

  it('leaves balanced and strict jobs as they were: they resolve only once committed', async () => {
    const engine = new MapEngine(shape);
    const queue = new CommitQueue(engine);
    await queue.transact('d', 'balanced', put('a', '1'), { behind: WINDOW });
    expect(engine.commits).toBe(1);
    expect(queue.pending.empty).toBe(true);
  });

  it('commits a non-blind job (one that scans) before it resolves, after the writes acknowledged before it', async () => {
    const engine = new MapEngine(shape);
    const queue = new CommitQueue(engine);
    await queue.transact('d', 'fast', put('a', '1'), { behind: WINDOW });
    const seen = await queue.transact('d', 'fast', (tx) => tx.range({ gte: b('a'), lt: b('z') }).length, { behind: WINDOW });
    expect(seen).toBe(1);
    expect(stored(engine, 'a')).toBe('1');
  });

  it('flush commits what waits without waiting out the window', async () => {
    const engine = new MapEngine(shape);
    const queue = new CommitQueue(engine);
    await queue.transact('d', 'fast', put('a', '1'), { behind: { windowMs: 60_000, maxBatch: 1000 } });
    await queue.flush();
    expect(stored(engine, 'a')).toBe('1');
  });

  it('a failed acknowledged write loses every write after it (no hole) and refuses later calls', async () => {
    const engine = new MapEngine(shape);
    const queue = new CommitQueue(engine);
    const failure = new EngineError('job', 'disk said no');
    engine.failWrite.set('b', failure);
    await queue.transact('d', 'fast', put('a', '1'), { behind: WINDOW });
    await queue.transact('d', 'fast', put('b', '2'), { behind: WINDOW });
    await queue.transact('d', 'fast', put('c', '3'), { behind: WINDOW });
    await queue.flush();
    expect(stored(engine, 'a')).toBe('1');
    expect(stored(engine, 'b')).toBeUndefined();
    expect(stored(engine, 'c')).toBeUndefined();
    expect(queue.pending.empty).toBe(true);
    expect(queue.lost).toBeInstanceOf(StoreError);
    await expect(queue.transact('d', 'balanced', put('d', '4'))).rejects.toBe(queue.lost);
    await expect(queue.transact('d', 'fast', put('d', '4'), { behind: WINDOW })).rejects.toBe(queue.lost);
    await expect(queue.exclusive(async () => 1)).rejects.toBe(queue.lost);
    expect(stored(engine, 'd')).toBeUndefined();
  });

  it('an acknowledged write whose check fails at commit (a migration guard) halts the jobs after it in its group', async () => {
    const engine = new MapEngine(shape);
    const queue = new CommitQueue(engine);
    const guarded = (key: string) => (tx: Tx) => {
      if (tx.get(b('moved')) !== undefined) throw new StoreError('MOVED', 'moved away');
      tx.put(b(key), b('x'));
    };
    await queue.transact('d', 'fast', guarded('a'), { behind: WINDOW });
    await queue.flush();
    // Another process's tombstone: unseen when the next writes are queued, met when they commit.
    engine.data.get('d')?.set(b('moved').toString('latin1'), [b('moved'), b('1')]);
    await queue.transact('d', 'fast', guarded('b'), { behind: WINDOW });
    const later = queue.transact('d', 'balanced', put('c', 'y'));
    await expect(later).rejects.toMatchObject({ code: 'MOVED' });
    expect(stored(engine, 'a')).toBe('x');
    expect(stored(engine, 'b')).toBeUndefined();
    expect(stored(engine, 'c')).toBeUndefined();
    expect(queue.lost).toMatchObject({ code: 'MOVED' });
  });

  it('a function that throws while queued is refused at once and nothing is queued', async () => {
    const engine = new MapEngine(shape);
    const queue = new CommitQueue(engine);
    const boom = new Error('boom');
    await expect(
      queue.transact(
        'd',
        'fast',
        () => {
          throw boom;
        },
        { behind: WINDOW },
      ),
    ).rejects.toBe(boom);
    expect(queue.idle).toBe(true);
    expect(queue.lost).toBeUndefined();
  });
});

describe('PendingReadsBackend', () => {
  it('overlays pending puts and deletes on get, getMany and range (with limits, both directions)', async () => {
    const engine = new MapEngine({ sync: true, readsOwnWrites: true, reads: 'sync' });
    const queue = new CommitQueue(engine);
    const inner = new MemoryBackend();
    await inner.transact((tx) => {
      for (const k of ['a', 'c', 'e', 'g']) tx.put(b(k), b(`old-${k}`));
    });
    const reads = new PendingReadsBackend(inner, queue, 'd');
    const behind = { windowMs: 60_000, maxBatch: 1000 };
    await queue.transact('d', 'fast', put('b', 'new-b'), { behind });
    await queue.transact('d', 'fast', put('c', 'new-c'), { behind });
    await queue.transact('d', 'fast', (tx) => tx.del(b('e')), { behind });
    await queue.transact('d', 'fast', put('h', 'new-h'), { behind });
    expect(s(await reads.get(b('b')))).toBe('new-b');
    expect(await reads.get(b('e'))).toBeUndefined();
    expect(s(await reads.get(b('g')))).toBe('old-g');
    expect((await reads.getMany([b('a'), b('c'), b('e'), b('x')])).map(s)).toEqual(['old-a', 'new-c', undefined, undefined]);
    const scan = async (range: Parameters<MemoryBackend['range']>[0]) => {
      const out: string[] = [];
      for await (const [k, v] of reads.range(range)) out.push(`${s(k)}=${s(v)}`);
      return out;
    };
    expect(await scan({})).toEqual(['a=old-a', 'b=new-b', 'c=new-c', 'g=old-g', 'h=new-h']);
    expect(await scan({ reverse: true, limit: 3 })).toEqual(['h=new-h', 'g=old-g', 'c=new-c']);
    expect(await scan({ gt: b('a'), limit: 2 })).toEqual(['b=new-b', 'c=new-c']);
    expect(await scan({ gte: b('d'), lt: b('h') })).toEqual(['g=old-g']);
  });

  it('count commits the pending writes of its range first', async () => {
    const engine = new MapEngine({ sync: true, readsOwnWrites: true, reads: 'sync' });
    const queue = new CommitQueue(engine);
    const reads = new PendingReadsBackend(new MemoryBackend(), queue, 'd');
    await queue.transact('d', 'fast', put('a', '1'), { behind: { windowMs: 60_000, maxBatch: 1000 } });
    expect(engine.commits).toBe(0);
    await reads.count({});
    expect(engine.commits).toBe(1);
  });
});

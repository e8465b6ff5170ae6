import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import type { Tx } from '../../src/spi/backend.js';
import { CommitQueue } from '../../src/spi/engine/commit-queue.js';
import { EngineError, MapEngine, type MapEngineShape } from './map-engine.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const s = (v: Uint8Array | undefined) => (v === undefined ? undefined : Buffer.from(v).toString('latin1'));
const keysOf = (rows: Array<[Uint8Array, Uint8Array]>) => rows.map(([k]) => s(k));

/** Reads `key` as a number, adds one, writes it back; returns the new value. */
const increment = (key: string) => (tx: Tx) => {
  const next = Number(s(tx.get(b(key))) ?? '0') + 1;
  tx.put(b(key), b(String(next)));
  return next;
};

const SHAPES: Array<[string, MapEngineShape]> = [
  ['sync engine (SQLite, LMDB)', { sync: true, readsOwnWrites: true, reads: 'sync' }],
  ['async engine, batch at commit, ranges fetched (LevelDB)', { sync: false, readsOwnWrites: false, reads: 'mixed' }],
  ['async engine, every read fetched (PostgreSQL)', { sync: false, readsOwnWrites: true, reads: 'fetch' }],
  ['async engine, writes at commit, every read fetched (Redis MULTI)', { sync: false, readsOwnWrites: false, reads: 'fetch' }],
];

describe.each(SHAPES)('CommitQueue on a %s', (_name, shape) => {
  it('commits the jobs of one tick in one group, in order, each seeing the writes before it', async () => {
    const engine = new MapEngine(shape);
    const queue = new CommitQueue(engine);
    const results = await Promise.all(Array.from({ length: 10 }, () => queue.transact('d', 'balanced', increment('n'))));
    expect(results).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(engine.commits).toBe(1);
    expect(queue.commits).toBe(1);
    expect(s(engine.data.get('d')?.get('n')?.[1])).toBe('10');
  });

  it('fails a throwing function alone and drops its writes', async () => {
    const engine = new MapEngine(shape);
    const queue = new CommitQueue(engine);
    const boom = new Error('boom');
    const [first, failed, last] = await Promise.allSettled([
      queue.transact('d', 'balanced', increment('n')),
      queue.transact('d', 'balanced', (tx) => {
        tx.put(b('n'), b('100'));
        throw boom;
      }),
      queue.transact('d', 'balanced', increment('n')),
    ]);
    expect(first).toEqual({ status: 'fulfilled', value: 1 });
    expect(failed).toEqual({ status: 'rejected', reason: boom });
    expect(last).toEqual({ status: 'fulfilled', value: 2 });
    expect(engine.commits).toBe(1);
  });

  it('begins each group at its strictest durability', async () => {
    const engine = new MapEngine(shape);
    const queue = new CommitQueue(engine);
    await Promise.all([queue.transact('d', 'fast', increment('a')), queue.transact('d', 'strict', increment('b'))]);
    await Promise.all([queue.transact('d', 'fast', increment('a')), queue.transact('d', 'balanced', increment('b'))]);
    expect(engine.begun).toEqual(['strict', 'balanced']);
  });

  it('overlays pending writes on ranges: deletes hide, puts appear, the limit holds, both orders', async () => {
    const engine = new MapEngine(shape);
    engine.seed(
      'd',
      ['a', 'b', 'c', 'd', 'e'].map((k) => [b(k), b(k)]),
    );
    const queue = new CommitQueue(engine);
    const [, forward, backward] = await Promise.all([
      // An earlier job of the same group: its writes count too.
      queue.transact('d', 'balanced', (tx) => tx.del(b('a'))),
      queue.transact('d', 'balanced', (tx) => {
        tx.del(b('b'));
        tx.put(b('bb'), b('new'));
        tx.put(b('zz'), b('outside'));
        return keysOf(tx.range({ gte: b('a'), lt: b('z'), limit: 3 }));
      }),
      queue.transact('d', 'balanced', (tx) => keysOf(tx.range({ lt: b('z'), reverse: true }))),
    ]);
    expect(forward).toEqual(['bb', 'c', 'd']);
    expect(backward).toEqual(['e', 'd', 'c', 'bb']);
    expect([...(engine.data.get('d')?.keys() ?? [])].sort()).toEqual(['bb', 'c', 'd', 'e', 'zz']);
  });

  it('keeps domains apart within one group', async () => {
    const engine = new MapEngine(shape);
    const queue = new CommitQueue(engine);
    const [, other] = await Promise.all([
      queue.transact('one', 'balanced', (tx) => tx.put(b('k'), b('1'))),
      queue.transact('two', 'balanced', (tx) => [s(tx.get(b('k'))), tx.range({}).length]),
    ]);
    expect(other).toEqual([undefined, 0]);
  });

  it('retries a busy group with back-off, then fails it with the translated error once retries run out', async () => {
    const engine = new MapEngine(shape);
    engine.failBegin.push(new EngineError('busy'), new EngineError('busy'));
    const queue = new CommitQueue(engine, { busyRetries: () => 2 });
    expect(await queue.transact('d', 'balanced', increment('n'))).toBe(1);
    expect(engine.begun).toHaveLength(3);

    engine.failBegin.push(new EngineError('busy'), new EngineError('busy'));
    const stubborn = new CommitQueue(engine, { busyRetries: () => 1 });
    await expect(stubborn.transact('d', 'balanced', increment('n'))).rejects.toThrow('transaction: engine error (busy)');
  });

  it('evicts the job whose write the engine refuses and commits the others', async () => {
    const engine = new MapEngine(shape);
    engine.failWrite.set('bad', new EngineError('evict', 'refused'));
    const queue = new CommitQueue(engine);
    const outcomes = await Promise.allSettled([
      queue.transact('d', 'balanced', increment('n')),
      queue.transact('d', 'balanced', (tx) => tx.put(b('bad'), b('x'))),
      queue.transact('d', 'balanced', increment('n')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe('transaction: refused');
    expect(s(engine.data.get('d')?.get('n')?.[1])).toBe('2');
    expect(engine.data.get('d')?.has('bad')).toBe(false);
  });

  it('repairs and retries after a retry verdict; fails every job on a fail verdict', async () => {
    const engine = new MapEngine(shape);
    const lost = new EngineError('retry', 'connection lost');
    engine.failBegin.push(lost);
    const queue = new CommitQueue(engine);
    expect(await queue.transact('d', 'balanced', increment('n'))).toBe(1);
    expect(engine.repaired).toEqual([lost]);

    engine.failBegin.push(new EngineError('fail', 'disk gone'));
    const outcomes = await Promise.allSettled([
      queue.transact('d', 'balanced', increment('n')),
      queue.transact('d', 'balanced', increment('n')),
    ]);
    expect(outcomes.map((o) => (o as PromiseRejectedResult).reason?.message)).toEqual(['transaction: disk gone', 'transaction: disk gone']);
  });

  it('settles strict jobs after the engine’s durable step, shared by the group, and others at once', async () => {
    const engine = new MapEngine(shape);
    const durable = engine.withDurable();
    const queue = new CommitQueue(engine);
    const settled: string[] = [];
    const strict = queue.transact('d', 'strict', increment('a')).then(() => settled.push('strict'));
    const strict2 = queue.transact('d', 'strict', increment('a')).then(() => settled.push('strict2'));
    const balanced = queue.transact('d', 'balanced', increment('b')).then(() => settled.push('balanced'));
    await balanced;
    expect(settled).toEqual(['balanced']);
    durable.release();
    await Promise.all([strict, strict2]);
    expect(durable.calls).toBe(1);
  });

  it('runs an exclusive job alone, after what was queued before it', async () => {
    const engine = new MapEngine(shape);
    const queue = new CommitQueue(engine);
    const seen: number[] = [];
    await Promise.all([
      queue.transact('d', 'balanced', increment('n')),
      queue.exclusive(async () => {
        seen.push(engine.commits);
      }),
      queue.transact('d', 'balanced', increment('n')),
    ]);
    expect(seen).toEqual([1]);
    expect(engine.commits).toBe(2);
  });

  it('refuses a tx used after its function returned, and reports idle only when everything settled', async () => {
    const engine = new MapEngine(shape);
    const queue = new CommitQueue(engine);
    let kept: Tx | undefined;
    const done = queue.transact('d', 'balanced', (tx) => {
      kept = tx;
    });
    expect(queue.idle).toBe(false);
    await done;
    await queue.whenIdle();
    expect(queue.idle).toBe(true);
    expect(() => kept?.get(b('x'))).toThrow(StoreError);
  });
});

describe('CommitQueue: replay of transaction functions on engines that fetch', () => {
  const fetching: MapEngineShape = { sync: false, readsOwnWrites: true, reads: 'fetch' };

  it('fetches what a function reads and runs it again until everything is known', async () => {
    const engine = new MapEngine(fetching);
    engine.seed('d', [[b('a'), b('1')]]);
    const queue = new CommitQueue(engine);
    let runs = 0;
    const result = await queue.transact('d', 'balanced', (tx) => {
      runs++;
      return [s(tx.get(b('a'))), s(tx.get(b('b'))), keysOf(tx.range({ limit: 5 }))];
    });
    expect(result).toEqual(['1', undefined, ['a']]);
    expect(runs).toBe(4);
    expect(queue.fetches).toBe(3);
  });

  it('answers a probe of a fresh key from the gap around an absent one, without fetching it', async () => {
    const engine = new MapEngine(fetching);
    engine.seed('d', [
      [b('a'), b('1')],
      [b('z'), b('2')],
    ]);
    const queue = new CommitQueue(engine);
    const probes = ['m', 'n', 'o'];
    let run = 0;
    await queue.transact('d', 'balanced', (tx) => {
      // A different key on every run, as a function drawing a random id would.
      return tx.get(b(probes[run++] as string));
    });
    expect(engine.fetches).toBe(1);
  });

  it('replays a function that swallowed the read signal: its run saw incomplete data', async () => {
    const engine = new MapEngine(fetching);
    engine.seed('d', [[b('a'), b('1')]]);
    const queue = new CommitQueue(engine);
    const result = await queue.transact('d', 'balanced', (tx) => {
      try {
        return s(tx.get(b('a')));
      } catch {
        return 'swallowed';
      }
    });
    expect(result).toBe('1');
  });
});

describe('CommitQueue on a synchronous engine', () => {
  const sync: MapEngineShape = { sync: true, readsOwnWrites: true, reads: 'sync' };

  it('commits a `now` job at once when idle, and queues it behind others otherwise', async () => {
    const engine = new MapEngine(sync);
    const queue = new CommitQueue(engine);
    const first = queue.transact('d', 'balanced', increment('n'), { now: true });
    expect(engine.commits).toBe(1);
    const queued = queue.transact('d', 'balanced', increment('n'));
    const behind = queue.transact('d', 'balanced', increment('n'), { now: true });
    expect(engine.commits).toBe(1);
    expect(await Promise.all([first, queued, behind])).toEqual([1, 2, 3]);
    expect(engine.commits).toBe(2);
  });

  it('waits up to delayMs for a group, and flush commits it at once', async () => {
    const engine = new MapEngine(sync);
    const queue = new CommitQueue(engine);
    const pending = queue.transact('d', 'balanced', increment('n'), { delayMs: 60_000 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(engine.commits).toBe(0);
    await queue.flush();
    expect(await pending).toBe(1);
  });

  it('reads a short key found absent once per domain and group, and again once a job or a `run` job wrote it', async () => {
    const engine = new MapEngine(sync);
    const queue = new CommitQueue(engine);
    const reads: string[] = [];
    const get = engine.get as NonNullable<MapEngine['get']>;
    Object.defineProperty(engine, 'get', {
      value: (...args: Parameters<typeof get>) => {
        reads.push(`${args[1]}:${s(args[2])}`);
        return get(...args);
      },
    });
    const guard = b('\u0000guard');
    const check = (i: number) => (tx: Tx) => {
      const seen = s(tx.get(guard));
      tx.put(b(`k${i}`), b('v'));
      return seen;
    };
    const results = await Promise.all([
      queue.transact('d', 'balanced', check(1)),
      queue.transact('d', 'balanced', check(2)),
      queue.transact('e', 'balanced', check(3)),
      queue.transact('d', 'balanced', (tx) => tx.put(guard, b('set'))),
      queue.transact('d', 'balanced', check(4)),
      queue.transact('d', 'balanced', check(5)),
      queue.run('balanced', (txn) => engine.write(txn, 'e', [{ key: guard, value: b('run') }])),
      queue.transact('e', 'balanced', check(6)),
    ]);
    expect(results).toEqual([undefined, undefined, undefined, undefined, 'set', 'set', undefined, 'run']);
    expect(engine.commits).toBe(1);
    // d: read absent once for jobs 1 and 2, then read for 4 and 5 (a value found is not remembered);
    // e: absent once for job 3, read again for job 6 after the `run` job.
    expect(reads).toEqual(['d:\u0000guard', 'e:\u0000guard', 'd:\u0000guard', 'd:\u0000guard', 'e:\u0000guard']);
  });

  it('runs a `run` job on the open transaction; its own errors fail it alone', async () => {
    const engine = new MapEngine(sync);
    const queue = new CommitQueue(engine);
    const refused = new Error('guard');
    const outcomes = await Promise.allSettled([
      queue.run('balanced', (txn) => engine.write(txn, 'd', [{ key: b('k'), value: b('v') }])),
      queue.run('balanced', () => {
        throw refused;
      }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
    expect(s(engine.data.get('d')?.get('k')?.[1])).toBe('v');
  });
});

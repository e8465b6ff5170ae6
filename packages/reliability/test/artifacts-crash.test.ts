/**
 * Issues 8 and 14: artifacts writers and lease holders killed with SIGKILL. A writer killed
 * mid-reservation and mid-stream leaves no readable partial blob, and after `gc()` no leaked bytes (the
 * accounting equals the sum of live blobs and every stored chunk belongs to one). The records of a
 * killed process (reservations, leases, an unfinished stream) do not wait for their ttl: the `reserve`
 * or `put` that meets one frees it in its own transaction, `getOrWait` stops waiting, and `gc()` frees
 * the rest. `AGENTSTORE_CRASH_SEED` replays a run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { blobData, DOMAIN, isWhole } from './artifacts/blob-data.js';
import { multiProcessAdapters, persistentAdapters } from './harness/adapters.js';
import { killAllChildren, release, spawnChild } from './harness/child.js';
import { recordFigures } from './harness/figures.js';
import type { Message } from './harness/protocol.js';
import { Rng, seedFrom } from './harness/random.js';
import { openStore, withStore } from './harness/stores.js';
import { TempDirs } from './harness/temp-dirs.js';

const SEED = seedFrom('AGENTSTORE_CRASH_SEED');
/** Ttl of every reservation, lease and stream the children take: only their death can free them in a test. */
const LONG_TTL_MS = 600_000;
/** Blob size of the dead-holder test (three fill its budget). */
const BLOB = 400_000;
const BUDGET = 24 * 1024 * 1024;

interface Ack extends Message {
  readonly key: string;
  readonly size: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const dirs = new TempDirs();

afterEach(async () => {
  await killAllChildren();
  dirs.removeAll();
});

describe.each(persistentAdapters.map((a) => [a.name, a] as const))('artifacts under SIGKILL: %s', (name, adapter) => {
  it('a writer killed mid-reservation and mid-stream leaves nothing partial and, after gc, no leaked bytes', {
    timeout: 120_000,
  }, async () => {
    const target = adapter.target(dirs.make(`artifacts-crash-${name}`));
    const seed = (SEED + name.length * 7_919) >>> 0;
    const rng = new Rng(seed);
    const where = `seed ${seed}`;
    await withStore(target, async (store) => {
      const a = store.artifacts(DOMAIN, { budgetBytes: BUDGET });
      for (let i = 0; i < 3; i++) await a.put(`seed-${i}`, blobData(`seed-${i}`, 300_000));
    });

    const child = spawnChild(`artifacts-writer-${name}`, '../artifacts/artifact-crasher.ts', {
      target,
      mode: 'write',
      seed,
      ttlMs: LONG_TTL_MS,
    });
    await child.take('loaded', 60_000);
    release([child]);
    await child.take('reserved', 30_000);
    // Piece 5 is pulled only after pieces 1-4 were committed as one batch: both streams have chunks on disk.
    await child.take((m) => m.t === 'piece' && m.stream === 'reserved-stream' && (m.i as number) >= 5, 30_000);
    await child.take((m) => m.t === 'piece' && m.stream === 'plain-stream' && (m.i as number) >= 5, 30_000);
    await child.take('ack', 30_000);
    await sleep(rng.int(0, 150));
    await child.kill();
    const acks = child.all<Ack>('ack');

    const store = await openStore(target);
    try {
      const a = store.artifacts(DOMAIN);
      for (const key of ['held', 'reserved-stream', 'plain-stream']) {
        expect(await a.has(key), `${where}: ${key} is not readable`).toBe(false);
        expect(await a.get(key), where).toBeUndefined();
      }
      // Every readable blob is whole; the newest acknowledged put is there.
      for (const key of await a.lru()) {
        const bytes = await a.get(key);
        expect(bytes && isWhole(key, bytes), `${where}: ${key} is whole`).toBe(true);
      }
      const newest = acks.at(-1) as Ack;
      expect((await a.stat(newest.key))?.size, `${where}: newest acknowledged put`).toBe(newest.size);

      const before = await a.audit();
      expect(before.usedBytes, where).toBe(before.liveBytes);
      expect(before.usedBytes, where).toBeLessThanOrEqual(BUDGET);
      expect(before.pendingBlobs, `${where}: the killed streams left unfinished chunks`).toBeGreaterThanOrEqual(2);
      expect(before.orphanBlobs, where).toBe(0);
      // The writer is dead: nothing will commit 'held', so getOrWait does not wait for its ttl.
      const waitFrom = Date.now();
      expect(await a.getOrWait('held', 20_000), where).toBeUndefined();
      expect(Date.now() - waitFrom, `${where}: getOrWait on a dead writer's reservation`).toBeLessThan(5_000);
      // Long before their 10-minute ttl: gc frees the dead writer's reservations and unfinished streams.
      const gc = await a.gc();
      expect(gc.reservations, where).toBe(2); // 'held' and 'reserved-stream'
      expect(gc.blobs, where).toBeGreaterThanOrEqual(2);
      expect(gc.freedBytes, where).toBeGreaterThanOrEqual(2 * 1024 * 1024);
      const after = await a.audit();
      expect(after, where).toMatchObject({ orphanBlobs: 0, pendingBlobs: 0 });
      expect(after.chunkBytes, `${where}: no leaked chunk bytes`).toBe(after.usedBytes);
      expect(after.liveBytes, where).toBe(after.usedBytes);
      expect((await a.usage()).usedBytes, where).toBe(after.liveBytes);
      expect(await a.gc({ deep: true }), where).toEqual({ reservations: 0, leases: 0, blobs: 0, freedBytes: 0 });
      recordFigures(`artifacts writer killed ${name}`, {
        'kill rounds': 1,
        'writer processes': 1,
        'puts acknowledged': acks.length,
        'records freed': gc.reservations + gc.blobs,
        'freed by gc (bytes)': gc.freedBytes,
      });
      // The freed keys are usable again.
      const r = await a.reserve('held');
      await r.commit(blobData('held', 1000));
      await a.putStream('plain-stream', [blobData('plain-stream', 5000)]);
      expect(isWhole('plain-stream', (await a.get('plain-stream')) as Uint8Array)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it("a killed holder's reservations, leases and unfinished stream are freed at once by reserve, put and gc", {
    timeout: 60_000,
  }, async () => {
    const target = adapter.target(dirs.make(`artifacts-dead-${name}`));
    await withStore(target, async (store) => {
      // Room for exactly three blobs; the holder's unfinished stream (1 MiB) does not count until it ends.
      const a = store.artifacts(DOMAIN, { budgetBytes: 3 * BLOB });
      for (const key of ['a', 'b', 'c']) await a.put(key, blobData(key, BLOB));
    });
    const holder = spawnChild(`artifacts-holder-${name}`, '../artifacts/artifact-crasher.ts', {
      target,
      mode: 'hold',
      seed: 0,
      ttlMs: LONG_TTL_MS,
      leases: ['a', 'b', 'c'].map((key) => ({ key, ttlMs: LONG_TTL_MS })),
      reservations: ['r1', 'r2'],
      stream: 's',
    });
    await holder.take('holding', 60_000);
    await holder.kill();

    const store = await openStore(target);
    try {
      const a = store.artifacts(DOMAIN);
      const started = Date.now();
      // The put needs the bytes of a blob leased by the dead holder: it frees the lease and evicts it.
      await a.put('x', blobData('x', BLOB));
      expect(await a.lru()).toEqual(['b', 'c', 'x']);
      // A dead holder's lease pins nothing and is not counted.
      expect((await a.stat('b'))?.leases).toBe(0);
      // The dead holder's reservation is taken over by the reserve that meets it.
      const r = await a.reserve('r1');
      expect(await r.abort()).toBe(true);
      // Nothing will commit 'r2': getOrWait answers without waiting for the timeout.
      const waitFrom = Date.now();
      expect(await a.getOrWait('r2', 20_000)).toBeUndefined();
      expect(Date.now() - waitFrom).toBeLessThan(5_000);
      expect((await a.audit()).pendingBlobs).toBe(1); // the stream's first batch
      const gc = await a.gc();
      expect(gc).toMatchObject({ reservations: 1, leases: 2, blobs: 1 }); // 'r2'; 'b' and 'c'; 's'
      expect(gc.freedBytes).toBeGreaterThanOrEqual(1024 * 1024);
      expect(await a.audit()).toMatchObject({
        pendingBlobs: 0,
        orphanBlobs: 0,
        usedBytes: 3 * BLOB,
        liveBytes: 3 * BLOB,
        chunkBytes: 3 * BLOB,
      });
      expect(await a.gc({ deep: true })).toEqual({ reservations: 0, leases: 0, blobs: 0, freedBytes: 0 });
      // Every byte of the budget can be claimed again.
      await a.put('y', blobData('y', 3 * BLOB));
      expect(await a.lru()).toEqual(['y']);
      const ms = Date.now() - started;
      expect(ms, 'all of it long before any ttl').toBeLessThan(30_000);
      console.log(
        `[reliability] artifacts dead holder ${name}: 3 leases, 2 reservations, 1 stream of a SIGKILLed process freed ` +
          `by put, reserve and gc in ${ms} ms (gc: ${gc.reservations} reservation, ${gc.leases} leases, ${gc.blobs} blob, ${gc.freedBytes} bytes)`,
      );
      recordFigures(`artifacts dead holder ${name}`, {
        'records freed': 6,
        'freed by gc (bytes)': gc.freedBytes,
        'ms to free': ms,
      });
    } finally {
      await store.close();
    }
  });
});

describe.each(multiProcessAdapters.map((a) => [a.name, a] as const))('artifacts getOrWait across processes: %s', (name, adapter) => {
  it("wakes on another process's commit; returns undefined once the reserver is killed", { timeout: 60_000 }, async () => {
    const target = adapter.target(dirs.make(`artifacts-wait-${name}`));
    const store = await openStore(target);
    try {
      const a = store.artifacts(DOMAIN);
      const committer = spawnChild(`artifacts-reserver-${name}`, '../artifacts/artifact-crasher.ts', {
        target,
        mode: 'reserve',
        seed: 0,
        ttlMs: 30_000,
        key: 'k1',
      });
      await committer.take('reserved', 60_000);
      let t = Date.now();
      const woken = a.getOrWait('k1', 20_000);
      await sleep(200);
      committer.send({ t: 'commit' });
      const got = await woken;
      expect(got && isWhole('k1', got)).toBe(true);
      expect(Date.now() - t).toBeLessThan(5_000);

      const doomed = spawnChild(`artifacts-doomed-${name}`, '../artifacts/artifact-crasher.ts', {
        target,
        mode: 'reserve',
        seed: 0,
        ttlMs: LONG_TTL_MS,
        key: 'k2',
      });
      await doomed.take('reserved', 60_000);
      t = Date.now();
      const waiting = a.getOrWait('k2', 20_000);
      await doomed.kill();
      expect(await waiting).toBeUndefined();
      const waited = Date.now() - t;
      expect(waited).toBeLessThan(5_000); // at the reserver's death, not its 10-minute ttl nor the 20 s timeout
      expect(await a.gc()).toMatchObject({ reservations: 1 });
    } finally {
      await store.close();
    }
  });
});

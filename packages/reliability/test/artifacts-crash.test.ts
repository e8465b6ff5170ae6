/**
 * Issue 8: artifacts writers and lease holders killed with SIGKILL. A writer killed mid-reservation
 * and mid-stream leaves no readable partial blob, and after the ttl and `gc()` no leaked bytes (the
 * accounting equals the sum of live blobs and every stored chunk belongs to one); a lease held by a
 * killed process lapses at its expiry (and `gc()` drops it early when the holder is gone from this
 * host). `AGENTSTORE_CRASH_SEED` replays a run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { blobData, DOMAIN, isWhole } from './artifacts/blob-data.js';
import { multiProcessAdapters, persistentAdapters } from './harness/adapters.js';
import { killAllChildren, release, spawnChild } from './harness/child.js';
import type { Message } from './harness/protocol.js';
import { Rng, seedFrom } from './harness/random.js';
import { openStore, withStore } from './harness/stores.js';
import { TempDirs } from './harness/temp-dirs.js';

const SEED = seedFrom('AGENTSTORE_CRASH_SEED');
const TTL_MS = 1_500;
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
      ttlMs: TTL_MS,
    });
    await child.take('loaded', 60_000);
    release([child]);
    const heldUntil = (await child.take('reserved', 30_000)).expiresAt as number;
    // Piece 5 is pulled only after pieces 1-4 were committed as one batch: both streams have chunks on disk.
    await child.take((m) => m.t === 'piece' && m.stream === 'reserved-stream' && (m.i as number) >= 5, 30_000);
    await child.take((m) => m.t === 'piece' && m.stream === 'plain-stream' && (m.i as number) >= 5, 30_000);
    await child.take('ack', 30_000);
    await sleep(rng.int(0, 150));
    const killedAt = Date.now();
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
      // The held reservation is live until its ttl: the key cannot be reserved, getOrWait waits.
      if (Date.now() < heldUntil - 300) await expect(a.reserve('held')).rejects.toMatchObject({ code: 'CONFLICT' });

      await sleep(Math.max(0, killedAt + TTL_MS + 100 - Date.now()));
      expect(await a.getOrWait('held', 5_000), where).toBeUndefined();
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
      // The lapsed keys are usable again.
      const r = await a.reserve('held');
      await r.commit(blobData('held', 1000));
      await a.putStream('plain-stream', [blobData('plain-stream', 5000)]);
      expect(isWhole('plain-stream', (await a.get('plain-stream')) as Uint8Array)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('a lease held by a killed process lapses at its expiry; gc drops it once its holder is gone', { timeout: 60_000 }, async () => {
    const target = adapter.target(dirs.make(`artifacts-lease-${name}`));
    await withStore(target, async (store) => {
      const a = store.artifacts(DOMAIN, { budgetBytes: 200 });
      await a.put('short', blobData('short', 100));
      await a.put('long', blobData('long', 100));
    });
    const holder = spawnChild(`artifacts-lease-${name}`, '../artifacts/artifact-crasher.ts', {
      target,
      mode: 'lease',
      seed: 0,
      ttlMs: TTL_MS,
      leases: [
        { key: 'short', ttlMs: TTL_MS },
        { key: 'long', ttlMs: 600_000 },
      ],
    });
    // The holder's own expiry times: a slow pipe must not make the parent believe a lapsed lease is live.
    const expires = (await holder.take('leased', 60_000)).expires as Record<string, number>;
    const shortUntil = expires.short as number;
    await holder.kill();

    const store = await openStore(target);
    try {
      const a = store.artifacts(DOMAIN);
      if (Date.now() < shortUntil - 300) {
        // Both blobs are pinned by a dead process's leases: no room until one lapses.
        await expect(a.put('x', blobData('x', 100))).rejects.toMatchObject({ code: 'BUSY' });
      }
      await sleep(Math.max(0, shortUntil + 100 - Date.now()));
      expect((await a.stat('short'))?.leases).toBe(0);
      expect((await a.stat('long'))?.leases).toBe(1);
      await a.put('x', blobData('x', 100)); // evicts 'short': its lease lapsed
      expect(await a.lru()).toEqual(['long', 'x']);
      await expect(a.put('y', blobData('y', 200))).rejects.toMatchObject({ code: 'BUSY' }); // 'long' is still pinned
      const gc = await a.gc();
      expect(gc.leases).toBe(1); // the 10-minute lease of a process that no longer exists
      expect((await a.stat('long'))?.leases).toBe(0);
      await a.put('y', blobData('y', 200));
      expect(await a.lru()).toEqual(['y']);
    } finally {
      await store.close();
    }
  });
});

describe.each(multiProcessAdapters.map((a) => [a.name, a] as const))('artifacts getOrWait across processes: %s', (name, adapter) => {
  it("wakes on another process's commit; returns undefined once a killed reserver's reservation lapses", { timeout: 60_000 }, async () => {
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
        ttlMs: TTL_MS,
        key: 'k2',
      });
      await doomed.take('reserved', 60_000);
      t = Date.now();
      const waiting = a.getOrWait('k2', 20_000);
      await doomed.kill();
      expect(await waiting).toBeUndefined();
      const waited = Date.now() - t;
      expect(waited).toBeLessThan(TTL_MS + 2_000); // at the reservation's lapse, not the 20 s timeout
      expect(await a.gc()).toMatchObject({ reservations: 1 });
    } finally {
      await store.close();
    }
  });
});

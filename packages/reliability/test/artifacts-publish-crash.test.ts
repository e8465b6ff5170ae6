/**
 * Issue 22 item 3: a two-stage publish (`prelink`, link the file into place, `postlink`) whose writer
 * is SIGKILLed between the stages. The next owner of each key — `reserve`, `getOrWait` or `gc` in
 * another process — adopts a final file that is whole and hashes as prelinked, and discards (removes)
 * a torn or missing one with its staging file, long before the reservation's 10-minute ttl. Negative
 * control: while the writer lives, nothing is adopted or discarded. Then a looping publisher killed at
 * a random moment (`AGENTSTORE_CRASH_SEED` replays a run): after `gc`, only whole blobs, no stray file.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { blobData, DOMAIN, isWhole, publishPaths } from './artifacts/blob-data.js';
import { persistentAdapters } from './harness/adapters.js';
import { killAllChildren, spawnChild } from './harness/child.js';
import { Rng, seedFrom } from './harness/random.js';
import { openStore } from './harness/stores.js';
import { TempDirs } from './harness/temp-dirs.js';

const SIZE = 700_000;
const SEED = seedFrom('AGENTSTORE_CRASH_SEED');
const ROUNDS = 3;
const dirs = new TempDirs();

afterEach(async () => {
  await killAllChildren();
  dirs.removeAll();
});

describe.each(persistentAdapters.map((a) => [a.name, a] as const))('two-stage artifact publish under SIGKILL: %s', (name, adapter) => {
  it('the next owner adopts the whole linked file and discards the torn and the unlinked one', { timeout: 120_000 }, async () => {
    const target = adapter.target(dirs.make(`artifacts-publish-${name}`));
    const file = (relative: string) => join(target.dataDir, relative);
    const keys = [
      { key: 'linked', state: 'linked' },
      { key: 'torn', state: 'torn' },
      { key: 'unlinked', state: 'unlinked' },
    ] as const;
    const child = spawnChild(`artifacts-publisher-${name}`, '../artifacts/publish-crasher.ts', { target, size: SIZE, keys, cycles: 2 });
    await child.take('prelinked', 60_000);

    // Negative control, while the writer lives (adapters that let a second process in): its
    // reservations hold, nothing is adopted or discarded, and its files stay where it put them.
    if (adapter.adapter.capabilities.multiProcess) {
      const peek = await openStore(target);
      try {
        const a = peek.artifacts(DOMAIN);
        expect((await a.reservation('linked'))?.live).toBe(true);
        expect((await a.reservation('linked'))?.publishing?.path).toBe(publishPaths('linked').final);
        await expect(a.reserve('linked')).rejects.toMatchObject({ code: 'CONFLICT' });
        expect(await a.has('linked')).toBe(false);
        expect(await a.getOrWait('linked', 50)).toBeUndefined();
        expect((await a.gc()).reservations).toBe(0);
        expect(existsSync(file(publishPaths('torn').final))).toBe(true);
      } finally {
        await peek.close();
      }
    }

    await child.kill();
    const store = await openStore(target);
    try {
      const a = store.artifacts(DOMAIN);
      // Published through both stages before the kill: whole, and no staging file left.
      for (const key of ['done-0', 'done-1']) {
        expect(isWhole(key, (await a.get(key)) as Uint8Array), key).toBe(true);
        expect(existsSync(file(publishPaths(key).staging)), key).toBe(false);
      }
      const audit = await a.audit();
      expect(audit.reservations.map((r) => [r.key, r.live])).toEqual([
        ['linked', false],
        ['torn', false],
        ['unlinked', false],
      ]);
      // The dead writer's whole file: adopted by the next reserve, so the key exists.
      const started = Date.now();
      await expect(a.reserve('linked')).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(Date.now() - started).toBeLessThan(10_000);
      const adopted = await a.get('linked');
      expect(adopted && isWhole('linked', adopted)).toBe(true);
      expect((await a.stat('linked'))?.file?.path).toBe(publishPaths('linked').final);
      // The torn file: discarded by the next reserve (final and staging removed); the key is free.
      const again = await a.reserve('torn');
      expect(existsSync(file(publishPaths('torn').final))).toBe(false);
      expect(existsSync(file(publishPaths('torn').staging))).toBe(false);
      await again.commit(blobData('torn', 1_000));
      expect(isWhole('torn', (await a.get('torn')) as Uint8Array)).toBe(true);
      // Never linked: getOrWait does not wait on a dead writer, and gc discards it with its staging file.
      expect(await a.getOrWait('unlinked', 20_000)).toBeUndefined();
      expect(existsSync(file(publishPaths('unlinked').staging))).toBe(false);
      expect(await a.reservation('unlinked')).toBeUndefined();
      expect((await a.gc()).reservations).toBe(0);
      const after = await a.audit();
      expect(after.reservations).toEqual([]);
      expect(after.usedBytes).toBe(after.liveBytes);
      expect(after.count).toBe(4);
    } finally {
      await store.close();
    }
  });

  it(`a publisher killed at a random moment of its cycles leaves, after gc, only whole blobs and no stray file (${ROUNDS} rounds)`, {
    timeout: 180_000,
  }, async () => {
    const rng = new Rng((SEED + name.length * 104_729) >>> 0);
    for (let round = 0; round < ROUNDS; round++) {
      const where = `seed ${SEED}, round ${round}`;
      const target = adapter.target(dirs.make(`artifacts-publish-loop-${name}`));
      const child = spawnChild(`artifacts-publish-loop-${name}`, '../artifacts/publish-crasher.ts', {
        target,
        size: 200_000,
        keys: [],
        loop: true,
      });
      await child.take((m) => m.t === 'published' && m.key === 'loop-2', 60_000);
      await new Promise((resolve) => setTimeout(resolve, rng.int(0, 60)));
      await child.kill();
      const published = child.all<{ t: string; key: string }>('published').map((m) => m.key);
      const store = await openStore(target);
      try {
        const a = store.artifacts(DOMAIN);
        await a.gc(); // settles the publish the kill interrupted, whatever its stage
        expect((await a.audit()).reservations, where).toEqual([]);
        const keys = await a.lru();
        for (const key of published) expect(keys, `${where}: acknowledged ${key}`).toContain(key);
        const referenced = new Set<string>();
        for (const key of keys) {
          const bytes = await a.get(key);
          expect(bytes && isWhole(key, bytes), `${where}: ${key} is whole`).toBe(true);
          referenced.add((await a.stat(key))?.file?.path as string);
        }
        // The in-flight cycle's files were adopted (then referenced) or removed: none is left behind.
        const files = readdirSync(join(target.dataDir, 'kv-cache'), { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => join(e.parentPath, e.name).slice(target.dataDir.length + 1));
        expect(
          files.filter((f) => !referenced.has(f)),
          `${where}: stray files`,
        ).toEqual([]);
      } finally {
        await store.close();
      }
    }
  });
});

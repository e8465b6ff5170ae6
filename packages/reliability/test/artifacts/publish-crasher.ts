/**
 * A two-stage publisher to be killed with SIGKILL between `prelink` and `postlink`. For each of its
 * keys it writes a staging file under dataDir, reserves the key and prelinks the final path, then
 * leaves the final file in one of three states — `linked` (renamed into place, whole), `torn` (a
 * partial copy at the final path) or `unlinked` (never put there) — reports `prelinked` and waits to
 * be killed. With `cycles`, it first publishes that many keys through both stages (`published` each).
 * With `loop`, it publishes keys `loop-0`, `loop-1`, … without end instead — reserve, prelink, write
 * the staging file in two halves, link, postlink — to be killed at any moment of a cycle.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { childParams, receive, runChild, send } from '../harness/child-runtime.js';
import { openStore, type StoreTarget } from '../harness/stores.js';
import { blobData, DOMAIN, publishPaths } from './blob-data.js';

interface Params {
  readonly target: StoreTarget;
  readonly size: number;
  readonly keys: ReadonlyArray<{ readonly key: string; readonly state: 'linked' | 'torn' | 'unlinked' }>;
  readonly cycles?: number;
  readonly loop?: boolean;
}

/** Far longer than any test: only the writer's death can free its reservations. */
const TTL_MS = 600_000;

runChild(
  async () => {
    const { target, size, keys, cycles = 0, loop = false } = childParams<Params>();
    const store = await openStore(target);
    const a = store.artifacts(DOMAIN, { reservationTtlMs: TTL_MS });
    const write = (relative: string, data: Uint8Array) => {
      const path = join(target.dataDir, relative);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, data);
    };
    const link = (from: string, to: string) => renameSync(join(target.dataDir, from), join(target.dataDir, to));
    for (let i = 0; loop; i++) {
      const key = `loop-${i}`;
      const data = blobData(key, size);
      const { staging, final } = publishPaths(key);
      const r = await a.reserve(key);
      await r.prelink({ path: final, size, sha256: createHash('sha256').update(data).digest('hex') }, { staging });
      write(staging, data.subarray(0, size >> 1));
      await new Promise((resolve) => setTimeout(resolve, 1));
      write(staging, data);
      link(staging, final);
      await r.postlink();
      send({ t: 'published', key });
    }
    for (let i = 0; i < cycles; i++) {
      const key = `done-${i}`;
      const data = blobData(key, size);
      const { staging, final } = publishPaths(key);
      write(staging, data);
      const r = await a.reserve(key);
      await r.prelink({ path: final, size, sha256: createHash('sha256').update(data).digest('hex') }, { staging });
      link(staging, final);
      await r.postlink();
      send({ t: 'published', key });
    }
    for (const { key, state } of keys) {
      const data = blobData(key, size);
      const { staging, final } = publishPaths(key);
      write(staging, data);
      const r = await a.reserve(key);
      await r.prelink({ path: final, size, sha256: createHash('sha256').update(data).digest('hex') }, { staging });
      if (state === 'linked') link(staging, final);
      if (state === 'torn') write(final, data.subarray(0, Math.floor(size / 2)));
    }
    send({ t: 'prelinked' });
    await receive('never');
  },
  { maxMs: 120_000 },
);

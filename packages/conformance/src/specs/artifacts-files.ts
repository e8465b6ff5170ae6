import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ExternalFileSpec } from '@agentstore/core';
import { describe, expect, it } from 'vitest';
import { bytes, expectCode, expectPlainBytes, type Harness } from '../harness.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Reservation ttl of the lapse tests: long enough for a reserve and a prelink on a loaded machine. */
const LAPSE_TTL_MS = 1_500;
/** Waits until every given reservation (its expiry as last renewed) has lapsed. */
const lapse = async (...rs: Array<{ readonly expiresAt: number }>): Promise<void> => {
  const until = Math.max(...rs.map((r) => r.expiresAt)) + 20;
  while (Date.now() < until) await sleep(until - Date.now());
};
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Writes `data` at `relative` under the test's dataDir; returns the spec `registerFile`/`prelink` take. */
function writeUnder(h: Harness, relative: string, data: Uint8Array): ExternalFileSpec {
  const path = join(h.dataDir(), relative);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  return { path: relative, size: data.byteLength, sha256: sha(data) };
}

const exists = (h: Harness, relative: string): boolean => existsSync(join(h.dataDir(), relative));

/** Issue 22 item 3 (erllama's cache meta server): external blobs, reservation checks, two-stage publish. */
export function artifactsFilesSpec(h: Harness): void {
  describe('artifacts external files and two-stage publish', () => {
    it('registerFile makes a file under dataDir a blob; delete and eviction remove the file', async () => {
      const a = (await h.open()).artifacts('af', { budgetBytes: 10_000 });
      const data = bytes(6_000, 3);
      const spec = writeUnder(h, 'kv-cache/one.bin', data);
      const stat = await a.registerFile('one', spec, { tier: 'ram', meta: { model: 'm' } });
      expect(stat).toMatchObject({
        key: 'one',
        size: 6_000,
        tier: 'ram',
        meta: { model: 'm' },
        file: { path: 'kv-cache/one.bin', sha256: spec.sha256 },
      });
      const read = await a.get('one');
      expectPlainBytes(read);
      expect(Buffer.from(read as Uint8Array).equals(Buffer.from(data))).toBe(true);
      expect(await a.has('one')).toBe(true);
      expect((await a.usage()).usedBytes).toBe(6_000);
      await a.registerFile('two', writeUnder(h, 'kv-cache/two.bin', bytes(3_000, 4)));
      // A third blob does not fit beside both: the least recently used one ('one') is evicted, file and all.
      await a.put('three', bytes(3_000, 5));
      expect(await a.lru()).toEqual(['two', 'three']);
      expect(exists(h, 'kv-cache/one.bin')).toBe(false);
      expect(await a.delete('two')).toBe(true);
      expect(exists(h, 'kv-cache/two.bin')).toBe(false);
      expect((await a.usage()).usedBytes).toBe(3_000);
    });

    it('an external blob streams from its file; a file removed behind the store reads as CORRUPT', async () => {
      const a = (await h.open()).artifacts('af8');
      const data = bytes(600_000, 5);
      await a.registerFile('big', writeUnder(h, 'ext/big.bin', data));
      const stream = await a.getStream('big');
      expect(stream?.size).toBe(600_000);
      const parts: Uint8Array[] = [];
      for await (const part of stream as AsyncIterable<Uint8Array>) {
        expectPlainBytes(part);
        parts.push(part);
      }
      expect(Buffer.concat(parts).equals(Buffer.from(data))).toBe(true);
      await a.registerFile('gone', writeUnder(h, 'ext/gone.bin', bytes(10)));
      unlinkSync(join(h.dataDir(), 'ext/gone.bin'));
      await expectCode(a.get('gone'), 'CORRUPT');
      expect(await a.delete('gone')).toBe(true);
    });

    it('registerFile refuses a path outside dataDir, a link, or a file that does not match, and writes nothing', async () => {
      const a = (await h.open()).artifacts('af2');
      const data = bytes(100, 1);
      const good = writeUnder(h, 'files/good.bin', data);
      await expectCode(a.registerFile('k', { ...good, path: '/etc/passwd' }), 'INVALID_VALUE');
      await expectCode(a.registerFile('k', { ...good, path: '../outside.bin' }), 'INVALID_VALUE');
      await expectCode(a.registerFile('k', { ...good, size: 99 }), 'INVALID_VALUE');
      await expectCode(a.registerFile('k', { ...good, sha256: sha(bytes(100, 2)) }), 'INVALID_VALUE');
      await expectCode(a.registerFile('k', { ...good, sha256: 'nothex' }), 'INVALID_VALUE');
      await expectCode(a.registerFile('k', { ...good, path: 'files/missing.bin' }), 'INVALID_VALUE');
      symlinkSync(join(h.dataDir(), 'files/good.bin'), join(h.dataDir(), 'files/link.bin'));
      await expectCode(a.registerFile('k', { ...good, path: 'files/link.bin' }), 'CORRUPT');
      expect(await a.has('k')).toBe(false);
      expect((await a.audit()).count).toBe(0);
      expect(exists(h, 'files/good.bin')).toBe(true);
    });

    it('reservation(key) and check() read a reservation without taking it; audit and stat list it', async () => {
      const a = (await h.open()).artifacts('af3');
      expect(await a.reservation('k')).toBeUndefined();
      const r = await a.reserve('k', { ttlMs: 60_000 });
      const info = await a.reservation('k');
      expect(info).toMatchObject({ key: 'k', id: r.id, expiresAt: r.expiresAt, pid: process.pid, live: true });
      expect(info?.publishing).toBeUndefined();
      expect(await r.check()).toBe(true);
      expect(await a.reservation('k')).toEqual(info); // reading changed nothing
      expect((await a.audit()).reservations).toEqual([info]);
      await a.put('k', bytes(10)); // a plain put over a reserved key: stat shows both
      expect((await a.stat('k'))?.reservation?.id).toBe(r.id);
      expect(await r.abort()).toBe(true);
      expect(await r.check()).toBe(false);
      expect(await a.reservation('k')).toBeUndefined();
      expect((await a.audit()).reservations).toEqual([]);
    });

    it('publishes in two stages: prelink records the file, postlink checks it and makes it the blob', async () => {
      const a = (await h.open()).artifacts('af4');
      const data = bytes(300_000, 9);
      const final = { ...writeUnder(h, 'cache/tmp/k.part', data), path: 'cache/k.bin' };
      const r = await a.reserve('k');
      await r.prelink(final, { staging: 'cache/tmp/k.part', tier: 'disk', meta: { tokens: 12 } });
      expect((await a.reservation('k'))?.publishing).toEqual({ path: 'cache/k.bin', size: 300_000, sha256: final.sha256 });
      expect(await a.get('k')).toBeUndefined();
      await expectCode(r.postlink(), 'INVALID_VALUE'); // not linked yet: nothing at the final path
      expect(await r.check()).toBe(true);
      renameSync(join(h.dataDir(), 'cache/tmp/k.part'), join(h.dataDir(), 'cache/k.bin'));
      const stat = await r.postlink();
      expect(stat).toMatchObject({ key: 'k', size: 300_000, meta: { tokens: 12 }, file: { path: 'cache/k.bin' } });
      expect(Buffer.from((await a.get('k')) as Uint8Array).equals(Buffer.from(data))).toBe(true);
      expect(await a.reservation('k')).toBeUndefined();
      await expectCode(r.postlink(), 'CONFLICT');
      await expectCode(a.reserve('k'), 'CONFLICT');
    });

    it('a prelinked reservation cannot commit bytes; abort removes its files', async () => {
      const a = (await h.open()).artifacts('af5');
      const spec = writeUnder(h, 'p/x.bin', bytes(50, 1));
      const r = await a.reserve('x');
      await r.prelink(spec);
      await expectCode(r.commit(bytes(5)), 'CONFLICT');
      await expectCode(r.prelink({ ...spec, path: '../x' }), 'INVALID_VALUE');
      expect(await r.abort()).toBe(true);
      expect(exists(h, 'p/x.bin')).toBe(false);
      expect(await a.has('x')).toBe(false);
    });

    it('the next owner adopts a lapsed publisher’s complete file, or discards one whose hash does not match', async () => {
      const a = (await h.open()).artifacts('af6');
      const good = bytes(1_000, 6);
      const r1 = await a.reserve('good', { ttlMs: LAPSE_TTL_MS });
      await r1.prelink(writeUnder(h, 'adopt/good.bin', good)); // linked, then the writer "stops" before postlink
      const r2 = await a.reserve('bad', { ttlMs: LAPSE_TTL_MS });
      const promised = writeUnder(h, 'adopt/bad.bin', bytes(1_000, 7));
      await r2.prelink({ ...promised, path: 'adopt/bad.bin' }, { staging: 'adopt/bad.part' });
      writeFileSync(join(h.dataDir(), 'adopt/bad.bin'), bytes(1_000, 8)); // torn: not what was promised
      writeFileSync(join(h.dataDir(), 'adopt/bad.part'), bytes(10, 8));
      await lapse(r1, r2);
      expect((await a.reservation('good'))?.live).toBe(false);
      // The next owner of 'good' finds the file whole: it is adopted, so the key exists.
      await expectCode(a.reserve('good'), 'CONFLICT');
      expect(Buffer.from((await a.get('good')) as Uint8Array).equals(Buffer.from(good))).toBe(true);
      expect((await a.stat('good'))?.file?.path).toBe('adopt/good.bin');
      // 'bad' is discarded (its file and staging file removed) and the key is free again.
      const again = await a.reserve('bad');
      expect(exists(h, 'adopt/bad.bin')).toBe(false);
      expect(exists(h, 'adopt/bad.part')).toBe(false);
      await again.commit(bytes(3));
      expect(await a.get('bad')).toEqual(bytes(3));
      await expectCode(r1.postlink(), 'CONFLICT');
    });

    it('gc settles lapsed publishes too', async () => {
      const a = (await h.open()).artifacts('af7');
      const r = await a.reserve('g', { ttlMs: LAPSE_TTL_MS });
      await r.prelink(writeUnder(h, 'gc/g.bin', bytes(64, 2)));
      await lapse(r);
      expect((await a.gc()).reservations).toBe(1);
      expect((await a.stat('g'))?.size).toBe(64);
      expect((await a.audit()).reservations).toEqual([]);
    });
  });
}

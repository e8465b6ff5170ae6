import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { diagnostics } from '../src/diagnostics.js';
import { b, openDomain, startFixture, TempDirs } from './helpers.js';

const dirs = new TempDirs();
const children: Array<ReturnType<typeof startFixture>> = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    child.child.stdin.end();
    await child.exited;
  }
  dirs.cleanup();
});

/** Runs the try-open fixture against `dataDir` and returns what it reported. */
async function tryOpenInChild(dataDir: string): Promise<{ opened: boolean; code?: string; ms: number }> {
  const child = startFixture('try-open.ts', [dataDir]);
  const line = await child.firstLine();
  await child.exited;
  return JSON.parse(line);
}

describe('level durability', () => {
  it('balanced: every acknowledged write survives kill -9', async () => {
    const dataDir = dirs.make();
    const writer = startFixture('write-until-killed.ts', [dataDir, 'balanced']);
    while (writer.output().split('\n').length < 300) {
      if (writer.child.exitCode !== null) throw new Error(writer.errors());
      await new Promise((r) => setTimeout(r, 10));
    }
    writer.child.kill('SIGKILL');
    await writer.exited;
    const acked = writer
      .output()
      .split('\n')
      .filter((line) => line !== '')
      .map(Number);
    const { instance, backend } = await openDomain(dataDir, 'acked');
    try {
      const last = acked[acked.length - 1] ?? 0;
      const key = (i: number) => b(i >>> 24, (i >>> 16) & 255, (i >>> 8) & 255, i & 255);
      // Keys sort by i (big-endian), so this counts exactly the acknowledged rounds' writes.
      expect(await backend.count({ lt: key(last + 1) })).toBe((last + 1) * 3);
      expect(last).toBeGreaterThan(250);
    } finally {
      await instance.close();
    }
  });
});

describe('level location: one process', () => {
  it('a location held by another process gives LOCKED within 100 ms, here and in a second child', async () => {
    const dataDir = dirs.make();
    const holder = startFixture('hold-location.ts', [dataDir]);
    children.push(holder);
    expect(await holder.firstLine()).toBe('ready');

    const started = performance.now();
    await expect(openDomain(dataDir, 'mine')).rejects.toMatchObject({ code: 'LOCKED' });
    expect(performance.now() - started).toBeLessThan(100);

    const other = await tryOpenInChild(dataDir);
    expect(other).toMatchObject({ opened: false, code: 'LOCKED' });
    expect(other.ms).toBeLessThan(100);

    // The failed attempt left nothing behind: once the holder is gone, this process opens it and
    // sees the holder's write.
    holder.child.stdin.end();
    expect(await holder.exited).toBe(0);
    const { instance, backend } = await openDomain(dataDir, 'held');
    expect([...((await backend.get(b(1))) ?? [])]).toEqual([42]);
    await instance.close();
  });

  it('a second open in this process (also through a symlinked dataDir) shares the handle and keeps the lock', async () => {
    const dataDir = dirs.make();
    const alias = join(dirs.make(), 'alias');
    symlinkSync(dataDir, alias);
    const opensBefore = diagnostics.nativeOpens;
    const first = await openDomain(dataDir, 'one');
    const second = await openDomain(alias, 'two');
    // A second native open would fail and, in LevelDB 1.20, drop this process's lock: the registry
    // must have prevented it.
    expect(diagnostics.nativeOpens - opensBefore).toBe(1);
    await second.backend.transact((tx) => tx.put(b(1), b(2)));
    expect(await tryOpenInChild(dataDir)).toMatchObject({ opened: false, code: 'LOCKED' });

    await second.instance.close();
    expect(await tryOpenInChild(dataDir)).toMatchObject({ opened: false, code: 'LOCKED' });

    await first.instance.close();
    expect(await tryOpenInChild(dataDir)).toMatchObject({ opened: true });
  });

  it('engine fact behind the registry: a raw failed second open drops the lock (classic-level 3.0.0)', async () => {
    const { ClassicLevel } = await import('classic-level');
    const dataDir = dirs.make();
    const location = join(dataDir, 'level');
    const first = new ClassicLevel(location);
    await first.open();
    expect(await tryOpenInChild(dataDir)).toMatchObject({ opened: false, code: 'LOCKED' });
    const second = new ClassicLevel(location);
    await expect(second.open()).rejects.toMatchObject({ cause: { code: 'LEVEL_LOCKED' } });
    // The first handle is still open, yet another process now gets in: what the registry prevents.
    expect(await tryOpenInChild(dataDir)).toMatchObject({ opened: true });
    await first.close();
  });
});

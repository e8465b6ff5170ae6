import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdapterInstance } from '@agentstore/core/spi';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LmdbResolvedOptions } from '../src/options.js';
import { b, backend, openAdapter, tempDir } from './helpers.js';

/** Every entry below `dir` with its size: what "nothing was written there" is checked against. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => `${name}:${statSync(join(dir, name)).size}`)
    .sort();
}

let dataDir: string;
let outside: string;
let cleanups: Array<() => void>;
let instance: AdapterInstance<LmdbResolvedOptions> | undefined;

beforeEach(() => {
  const data = tempDir();
  const out = tempDir();
  dataDir = data.dir;
  outside = out.dir;
  cleanups = [data.cleanup, out.cleanup];
  writeFileSync(join(outside, 'victim.mdb'), '');
});

afterEach(async () => {
  await instance?.close();
  instance = undefined;
  for (const cleanup of cleanups) cleanup();
});

describe('links inside dataDir', () => {
  const plants: Array<[string, () => void]> = [
    ['the environment directory is a link out', () => symlinkSync(outside, join(dataDir, 'lmdb'))],
    [
      'the data file is a link out',
      () => {
        mkdirSync(join(dataDir, 'lmdb'));
        symlinkSync(join(outside, 'victim.mdb'), join(dataDir, 'lmdb', 'data.mdb'));
      },
    ],
    [
      'the lock file is a link out',
      () => {
        mkdirSync(join(dataDir, 'lmdb'));
        symlinkSync(join(outside, 'victim.mdb'), join(dataDir, 'lmdb', 'lock.mdb'));
      },
    ],
    [
      'the environment directory is a link to another directory inside dataDir',
      () => {
        mkdirSync(join(dataDir, 'elsewhere'));
        symlinkSync(join(dataDir, 'elsewhere'), join(dataDir, 'lmdb'));
      },
    ],
  ];

  for (const [where, plant] of plants) {
    it(`refuses with CORRUPT when ${where}, writing nothing outside`, async () => {
      plant();
      const before = tree(outside);
      instance = await openAdapter(dataDir);
      await expect(backend(instance, 'checkpoints')).rejects.toMatchObject({ code: 'CORRUPT' });
      await expect(instance.listDomains()).rejects.toMatchObject({ code: 'CORRUPT' });
      expect(tree(outside)).toEqual(before);
    });
  }

  it('refuses a link on the way to a domain `path`', async () => {
    symlinkSync(outside, join(dataDir, 'own'));
    instance = await openAdapter(dataDir);
    await expect(backend(instance, 'checkpoints', { path: 'own/env' })).rejects.toMatchObject({ code: 'CORRUPT' });
    expect(tree(outside)).toEqual(['victim.mdb:0']);
  });

  it('follows dataDir itself when it is a link, and writes into its target', async () => {
    const real = join(outside, 'real-data');
    mkdirSync(real);
    const link = join(dataDir, 'data-link');
    symlinkSync(real, link);
    instance = await openAdapter(link);
    const db = await backend(instance, 'checkpoints');
    await db.transact((tx) => tx.put(b(1), b(2)));
    expect(existsSync(join(real, 'lmdb', 'data.mdb'))).toBe(true);
  });
});

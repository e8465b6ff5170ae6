import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdapterInstance } from '@agentstore/core/spi';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResolvedSqliteOptions } from '../src/options.js';
import { b, openAdapter, openDomain, tempDir } from './helpers.js';

/** Every entry below `dir` with its size: what "nothing was written there" is checked against. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => `${name}:${statSync(join(dir, name)).size}`)
    .sort();
}

let dataDir: string;
let outside: string;
let cleanups: Array<() => void>;
let instance: AdapterInstance<ResolvedSqliteOptions> | undefined;

beforeEach(() => {
  const data = tempDir();
  const out = tempDir();
  dataDir = data.dir;
  outside = out.dir;
  cleanups = [data.cleanup, out.cleanup];
  writeFileSync(join(outside, 'victim.db'), '');
});

afterEach(async () => {
  await instance?.close();
  instance = undefined;
  for (const cleanup of cleanups) cleanup();
});

describe('links and special files inside dataDir', () => {
  const plants: Array<[string, () => void]> = [
    ['the sqlite directory is a link out', () => symlinkSync(outside, join(dataDir, 'sqlite'))],
    [
      'the database file is a link out',
      () => {
        mkdirSync(join(dataDir, 'sqlite'));
        symlinkSync(join(outside, 'victim.db'), join(dataDir, 'sqlite', 'agentstore.db'));
      },
    ],
    [
      'the WAL file is a link out',
      () => {
        mkdirSync(join(dataDir, 'sqlite'));
        symlinkSync(join(outside, 'victim.db'), join(dataDir, 'sqlite', 'agentstore.db-wal'));
      },
    ],
    [
      'the sqlite directory is a link to another directory inside dataDir',
      () => {
        mkdirSync(join(dataDir, 'elsewhere'));
        symlinkSync(join(dataDir, 'elsewhere'), join(dataDir, 'sqlite'));
      },
    ],
    [
      'the database file is a FIFO',
      () => {
        mkdirSync(join(dataDir, 'sqlite'));
        execFileSync('mkfifo', [join(dataDir, 'sqlite', 'agentstore.db')]);
      },
    ],
  ];

  for (const [where, plant] of plants) {
    it(`refuses with CORRUPT when ${where}, writing nothing outside`, async () => {
      plant();
      const before = tree(outside);
      instance = await openAdapter(dataDir);
      await expect(openDomain(instance, 'runs')).rejects.toMatchObject({ code: 'CORRUPT' });
      await expect(instance.listDomains()).rejects.toMatchObject({ code: 'CORRUPT' });
      expect(tree(outside)).toEqual(before);
    });
  }

  it('refuses a link on the way to a domain `path`', async () => {
    symlinkSync(outside, join(dataDir, 'own'));
    instance = await openAdapter(dataDir);
    await expect(openDomain(instance, 'runs', { path: 'own/runs.db' })).rejects.toMatchObject({ code: 'CORRUPT' });
    expect(tree(outside)).toEqual(['victim.db:0']);
  });

  it('follows dataDir itself when it is a link, and writes into its target', async () => {
    const real = join(outside, 'real-data');
    mkdirSync(real);
    const link = join(dataDir, 'data-link');
    symlinkSync(real, link);
    instance = await openAdapter(link);
    const backend = await openDomain(instance, 'runs');
    await backend.transact((tx) => tx.put(b(1), b(2)));
    expect(existsSync(join(real, 'sqlite', 'agentstore.db'))).toBe(true);
  });
});

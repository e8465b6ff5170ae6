import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdapterInstance } from '@agentstore/core/spi';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { levelAdapter } from '../src/index.js';
import type { ResolvedLevelOptions } from '../src/options.js';
import { b, domainOptions, TempDirs } from './helpers.js';

/** Every entry below `dir` with its size: what "nothing was written there" is checked against. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => `${name}:${statSync(join(dir, name)).size}`)
    .sort();
}

const dirs = new TempDirs();
let dataDir: string;
let outside: string;
let instance: AdapterInstance<ResolvedLevelOptions> | undefined;

beforeEach(() => {
  dataDir = dirs.make();
  outside = dirs.make();
  writeFileSync(join(outside, 'victim'), '');
});

afterEach(async () => {
  await instance?.close();
  instance = undefined;
  dirs.cleanup();
});

describe('links inside dataDir', () => {
  const plants: Array<[string, () => void]> = [
    ['the location is a link out', () => symlinkSync(outside, join(dataDir, 'level'))],
    [
      "one of LevelDB's files is a link out",
      () => {
        mkdirSync(join(dataDir, 'level'));
        symlinkSync(join(outside, 'victim'), join(dataDir, 'level', 'LOG'));
      },
    ],
    [
      'the location is a link to another directory inside dataDir',
      () => {
        mkdirSync(join(dataDir, 'elsewhere'));
        symlinkSync(join(dataDir, 'elsewhere'), join(dataDir, 'level'));
      },
    ],
  ];

  for (const [where, plant] of plants) {
    it(`refuses with CORRUPT when ${where}, writing nothing outside`, async () => {
      plant();
      const before = tree(outside);
      instance = await levelAdapter.open({ dataDir });
      await expect(instance.domain('journal', domainOptions())).rejects.toMatchObject({ code: 'CORRUPT' });
      await expect(instance.listDomains()).rejects.toMatchObject({ code: 'CORRUPT' });
      expect(tree(outside)).toEqual(before);
    });
  }

  it('refuses a link on the way to a domain `path`', async () => {
    symlinkSync(outside, join(dataDir, 'own'));
    instance = await levelAdapter.open({ dataDir });
    await expect(instance.domain('journal', domainOptions({ path: 'own/db' }))).rejects.toMatchObject({ code: 'CORRUPT' });
    expect(tree(outside)).toEqual(['victim:0']);
  });

  it('follows dataDir itself when it is a link, and writes into its target', async () => {
    const real = join(outside, 'real-data');
    mkdirSync(real);
    const link = join(dataDir, 'data-link');
    symlinkSync(real, link);
    instance = await levelAdapter.open({ dataDir: link });
    const backend = await instance.domain('journal', domainOptions());
    await backend.transact((tx) => tx.put(b(1), b(2)));
    expect(existsSync(join(real, 'level', 'CURRENT'))).toBe(true);
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../src/index.js';
import { DataDir, isInsideRelativePath, resolveInsideDataDir } from '../src/spi/index.js';

let base: string;

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'agentstore-datadir-')));
});

afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof StoreError ? err.code : `not a StoreError: ${String(err)}`;
  }
}

describe('relative paths', () => {
  it('accepts paths strictly below and refuses absolute paths, `..`, NUL and dataDir itself', () => {
    for (const ok of ['a', 'a/b.db', './a', 'a//b', 'env.v1', '..a', 'a..']) expect(isInsideRelativePath(ok), ok).toBe(true);
    for (const bad of ['', '.', './', '/abs', '..', '../x', 'a/../b', 'a\\..\\b', 'C:\\x', 'C:x', 'a\0b']) {
      expect(isInsideRelativePath(bad), JSON.stringify(bad)).toBe(false);
      expect(
        codeOf(() => resolveInsideDataDir(base, bad, { kind: 'file' })),
        JSON.stringify(bad),
      ).toBe('INVALID_OPTIONS');
    }
  });
});

describe('DataDir', () => {
  it('creates missing directories one by one, and leaves a file to its engine', () => {
    const data = join(base, 'data');
    const file = resolveInsideDataDir(data, 'a/b/c.db', { kind: 'file', create: true });
    expect(file).toBe(join(data, 'a', 'b', 'c.db'));
    expect(existsSync(join(data, 'a', 'b'))).toBe(true);
    expect(existsSync(file)).toBe(false);
    expect(resolveInsideDataDir(data, 'env', { kind: 'directory', create: true })).toBe(join(data, 'env'));
    expect(existsSync(join(data, 'env'))).toBe(true);
  });

  it('creates nothing without `create`, even when dataDir is missing', () => {
    const data = join(base, 'missing');
    expect(resolveInsideDataDir(data, 'a/b.db', { kind: 'file' })).toBe(join(data, 'a', 'b.db'));
    expect(existsSync(data)).toBe(false);
  });

  it('refuses a link anywhere below dataDir with CORRUPT, wherever it points', () => {
    const data = join(base, 'data');
    const outside = join(base, 'outside');
    mkdirSync(join(data, 'inner'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, 'f'), '');
    symlinkSync(outside, join(data, 'out'));
    symlinkSync(join(data, 'inner'), join(data, 'in'));
    symlinkSync(join(outside, 'f'), join(data, 'inner', 'file.db'));
    symlinkSync(join(base, 'nowhere'), join(data, 'dangling'));
    const dir = new DataDir(data);
    expect(codeOf(() => dir.resolve('out/x.db', { kind: 'file', create: true }))).toBe('CORRUPT');
    expect(codeOf(() => dir.resolve('in/x.db', { kind: 'file', create: true }))).toBe('CORRUPT');
    expect(codeOf(() => dir.resolve('inner/file.db', { kind: 'file' }))).toBe('CORRUPT');
    expect(codeOf(() => dir.resolve('dangling', { kind: 'directory', create: true }))).toBe('CORRUPT');
    expect(existsSync(join(outside, 'x.db'))).toBe(false);
  });

  it('checks the entries of a directory when asked', () => {
    const data = join(base, 'data');
    mkdirSync(join(data, 'env'), { recursive: true });
    writeFileSync(join(data, 'env', 'data.mdb'), '');
    const dir = new DataDir(data);
    expect(dir.resolve('env', { kind: 'directory', checkEntries: true })).toBe(join(data, 'env'));
    symlinkSync(join(base, 'elsewhere'), join(data, 'env', 'lock.mdb'));
    expect(codeOf(() => dir.resolve('env', { kind: 'directory' }))).toBeUndefined();
    expect(codeOf(() => dir.resolve('env', { kind: 'directory', checkEntries: true }))).toBe('CORRUPT');
  });

  it('refuses a FIFO as CORRUPT and a file/directory mix-up as IO', () => {
    const data = join(base, 'data');
    mkdirSync(data);
    execFileSync('mkfifo', [join(data, 'pipe')]);
    writeFileSync(join(data, 'plain'), '');
    const dir = new DataDir(data);
    expect(codeOf(() => dir.resolve('pipe', { kind: 'file' }))).toBe('CORRUPT');
    expect(codeOf(() => dir.resolve('plain/x.db', { kind: 'file', create: true }))).toBe('IO');
    expect(codeOf(() => dir.resolve('plain', { kind: 'directory' }))).toBe('IO');
  });

  it('follows dataDir itself when it is a link, resolving it once', () => {
    const first = join(base, 'first');
    const second = join(base, 'second');
    mkdirSync(first);
    mkdirSync(second);
    const link = join(base, 'link');
    symlinkSync(first, link);
    const dir = new DataDir(link);
    expect(dir.resolve('a.db', { kind: 'file', create: true })).toBe(join(first, 'a.db'));
    rmSync(link);
    symlinkSync(second, link);
    // Re-pointing the link under an open store does not split its files across two trees.
    expect(dir.resolve('b.db', { kind: 'file', create: true })).toBe(join(first, 'b.db'));
    expect(dir.root()).toBe(first);
  });
});

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './support/cli.js';
import { openStore, tempDir } from './support/stores.js';

const ROUTES = { runs: { adapter: 'sqlite' }, cps: { adapter: 'lmdb' }, log: { adapter: 'level' } };
const MANIFEST = 'agentstore-backup.json';

let tmp: Awaited<ReturnType<typeof tempDir>>;
/** A sound backup made by `agentstore backup`; every case copies it and spoils the copy. */
let backupDir: string;
/** Files outside every data directory that a crafted backup points at. */
let outside: string;
let cases = 0;

/** Every entry below `dir` with its size (links not followed): "nothing changed there". */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return ['<missing>'];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => {
      const stat = statSync(join(dir, name), { throwIfNoEntry: false });
      return `${name}:${stat?.isFile() ? stat.size : 'dir'}`;
    })
    .sort();
}

function writeConfig(dir: string, dataDir: string): string {
  const file = join(dir, 'agentstore.config.json');
  writeFileSync(file, JSON.stringify({ dataDir, default: { adapter: 'sqlite' }, domains: ROUTES }));
  return file;
}

/** A fresh case directory with a copy of the sound backup and a config whose data directory is `data`. */
function freshCase(): { dir: string; backup: string; config: string; dataDir: string } {
  const dir = join(tmp.dir, `case-${++cases}`);
  mkdirSync(dir);
  const backup = join(dir, 'backup');
  cpSync(backupDir, backup, { recursive: true });
  const dataDir = join(dir, 'data');
  return { dir, backup, config: writeConfig(dir, dataDir), dataDir };
}

/** The first element of a manifest list, as an object to edit. */
function firstOf(list: unknown): Record<string, unknown> {
  const first = (list as Array<Record<string, unknown>>)[0];
  if (first === undefined) throw new Error('the sound backup has an empty list');
  return first;
}

function editManifest(backup: string, edit: (manifest: Record<string, unknown>) => void): void {
  const manifest = JSON.parse(readFileSync(join(backup, MANIFEST), 'utf8')) as Record<string, unknown>;
  edit(manifest);
  writeFileSync(join(backup, MANIFEST), JSON.stringify(manifest));
}

beforeAll(async () => {
  tmp = await tempDir();
  outside = join(tmp.dir, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'victim'), 'precious');
  const source = join(tmp.dir, 'source');
  const store = await openStore(source, ROUTES);
  await store.kv('runs').putMany(Array.from({ length: 50 }, (_, i) => [['r', i], { i }] as const));
  await store.checkpoints('cps').save('t', { data: Uint8Array.of(1, 2, 3) });
  await store.journal('log').append('events', ['a', 'b']);
  await store.close();
  backupDir = join(tmp.dir, 'backup');
  const made = await cli(['-c', writeConfig(tmp.dir, source), 'backup', '--out', backupDir]);
  expect(made.code, made.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await tmp.remove();
});

/** Runs `restore` on a spoiled backup and checks it is refused with CORRUPT, with nothing written. */
async function expectRefused(c: ReturnType<typeof freshCase>, force = false): Promise<string> {
  const before = tree(c.dataDir);
  const outsideBefore = tree(outside);
  const siblingsBefore = readdirSync(c.dir).sort();
  const run = await cli(['-c', c.config, 'restore', '--from', c.backup, ...(force ? ['--force'] : [])]);
  expect(run.stderr).toMatch(/^error CORRUPT: /);
  expect(run.code).toBe(1);
  expect(tree(c.dataDir)).toEqual(before);
  expect(tree(outside)).toEqual(outsideBefore);
  expect(readFileSync(join(outside, 'victim'), 'utf8')).toBe('precious');
  // No temp directory and no moved-aside data directory is left beside the target.
  expect(readdirSync(c.dir).sort()).toEqual(siblingsBefore);
  return run.stderr;
}

describe('restore refuses a crafted backup with CORRUPT and writes nothing', () => {
  it('a symbolic link among the files', async () => {
    const c = freshCase();
    symlinkSync(outside, join(c.backup, 'sqlite', 'out'));
    expect(await expectRefused(c)).toMatch(/link/);
  });

  it('a symbolic link in place of a database file (later writes would land outside)', async () => {
    const c = freshCase();
    rmSync(join(c.backup, 'lmdb', 'data.mdb'));
    symlinkSync(join(outside, 'victim'), join(c.backup, 'lmdb', 'data.mdb'));
    await expectRefused(c);
  });

  it('a hard link to a file outside the backup', async () => {
    const c = freshCase();
    linkSync(join(outside, 'victim'), join(c.backup, 'sqlite', 'extra'));
    expect(await expectRefused(c)).toMatch(/hard link/);
  });

  it('a FIFO among the files', async () => {
    const c = freshCase();
    execFileSync('mkfifo', [join(c.backup, 'level', 'pipe')]);
    await expectRefused(c);
  });

  it('a `../` entry in the file list', async () => {
    const c = freshCase();
    editManifest(c.backup, (m) => {
      firstOf(m.files).path = '../outside/victim';
    });
    expect(await expectRefused(c)).toMatch(/\.\./);
  });

  it('an absolute path in the file list', async () => {
    const c = freshCase();
    editManifest(c.backup, (m) => {
      firstOf(m.files).path = join(outside, 'victim');
    });
    await expectRefused(c);
  });

  it('a file the manifest does not list, or a listed file that is missing', async () => {
    const extra = freshCase();
    writeFileSync(join(extra.backup, 'sqlite', 'stowaway'), 'x');
    await expectRefused(extra);
    const missing = freshCase();
    editManifest(missing.backup, (m) => {
      (m.files as unknown[]).push({ path: 'sqlite/gone.db', size: 1, sha256: 'a'.repeat(64) });
    });
    await expectRefused(missing);
  });

  it('a file whose bytes differ from the manifest', async () => {
    const c = freshCase();
    const file = join(c.backup, 'sqlite', 'agentstore.db');
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    writeFileSync(file, bytes);
    expect(await expectRefused(c)).toMatch(/sha-?256|checksum|differs/i);
  });

  for (const [what, edit] of [
    ['domains is not an array', (m: Record<string, unknown>) => (m.domains = { runs: 1 })],
    ['a domain entry lacks its hash', (m: Record<string, unknown>) => delete firstOf(m.domains).sha256],
    ['an unknown version', (m: Record<string, unknown>) => (m.version = 99)],
    ['a domain name that is no domain name', (m: Record<string, unknown>) => (firstOf(m.domains).domain = '../x')],
  ] as const) {
    it(`a malformed manifest: ${what}`, async () => {
      const c = freshCase();
      editManifest(c.backup, edit);
      expect(await expectRefused(c)).toMatch(/manifest/);
    });
  }

  it('a manifest that is not JSON, or is a link', async () => {
    const text = freshCase();
    writeFileSync(join(text.backup, MANIFEST), '{"format": "agentstore-backup", ');
    await expectRefused(text);
    const link = freshCase();
    cpSync(join(link.backup, MANIFEST), join(outside, 'manifest.json'));
    rmSync(join(link.backup, MANIFEST));
    symlinkSync(join(outside, 'manifest.json'), join(link.backup, MANIFEST));
    await expectRefused(link);
  });

  it('with --force, a refused backup leaves the existing data directory where it was', async () => {
    const c = freshCase();
    mkdirSync(c.dataDir);
    writeFileSync(join(c.dataDir, 'keep-me'), 'old data');
    editManifest(c.backup, (m) => (m.domains = 'nope'));
    await expectRefused(c, true);
    expect(readFileSync(join(c.dataDir, 'keep-me'), 'utf8')).toBe('old data');
  });
});

describe('restore of a sound backup', () => {
  it('restores into the target of a data directory that is a link, and keeps the link', async () => {
    const c = freshCase();
    const real = join(c.dir, 'real-data');
    mkdirSync(real);
    symlinkSync(real, c.dataDir);
    const run = await cli(['-c', c.config, 'restore', '--from', c.backup, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as Array<{ status: string }>).map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    expect(existsSync(join(real, 'sqlite', 'agentstore.db'))).toBe(true);
    const store = await openStore(c.dataDir, ROUTES);
    expect(await store.kv('runs').count()).toBe(50);
    expect(await store.journal('log').lastSeq('events')).toBe(2);
    await store.close();
  });

  it('restores a version 1 backup (no file list), still refusing links in it', async () => {
    const c = freshCase();
    editManifest(c.backup, (m) => {
      m.version = 1;
      delete m.files;
    });
    const linked = freshCase();
    cpSync(join(c.backup, MANIFEST), join(linked.backup, MANIFEST));
    symlinkSync(outside, join(linked.backup, 'lmdb', 'out'));
    await expectRefused(linked);
    const run = await cli(['-c', c.config, 'restore', '--from', c.backup, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as Array<{ status: string }>).map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
  });

  it('with --force, moves a non-empty data directory aside and restores in its place', async () => {
    const c = freshCase();
    mkdirSync(c.dataDir);
    writeFileSync(join(c.dataDir, 'keep-me'), 'old data');
    const run = await cli(['-c', c.config, 'restore', '--from', c.backup, '--force', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const aside = readdirSync(c.dir).filter((name) => name.startsWith('data.before-restore-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(c.dir, aside[0] ?? '', 'keep-me'), 'utf8')).toBe('old data');
    expect(existsSync(join(c.dataDir, 'keep-me'))).toBe(false);
    expect(readdirSync(c.dir).filter((name) => name.includes('.restore-'))).toEqual([]);
    const store = await openStore(c.dataDir, ROUTES);
    expect(await store.kv('runs').count()).toBe(50);
    await store.close();
  });
});

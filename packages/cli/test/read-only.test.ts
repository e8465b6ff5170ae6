import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { levelAdapter } from '@agentstore/adapter-level';
import { lmdbAdapter } from '@agentstore/adapter-lmdb';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { createStore } from '@agentstore/core';
import { readManifest } from '@agentstore/core/admin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, startChild, waitForLine } from './support/cli.js';
import { fileTree } from './support/file-tree.js';
import { tempDir } from './support/stores.js';

// Read commands open read-only (issue 19 item 3): for each, the data directory's file tree is the
// same, byte for byte, before and after; a directory without a store, a never-written domain and a
// missing key are errors with exit code 1 and create nothing.

/** The app of the issue: 5 domains on 3 adapters, configured in code only (no config file). */
const APP_ROUTES = {
  memory: { adapter: 'sqlite' },
  checkpoints: { adapter: 'lmdb' },
  writes: { adapter: 'lmdb' },
  events: { adapter: 'level' },
  cache: { adapter: 'sqlite', options: { path: 'cache/cache.db' } },
};

let tmp: Awaited<ReturnType<typeof tempDir>>;
let dataDir: string;

beforeAll(async () => {
  tmp = await tempDir();
  dataDir = join(tmp.dir, 'agent-data');
  const store = await createStore({ dataDir, adapters: [sqliteAdapter, lmdbAdapter, levelAdapter], domains: APP_ROUTES });
  await store.kv('memory').put(['user', '42'], { name: 'Ada' });
  await store.kv('memory').updateCounter('visits', 3);
  for (let i = 0; i < 3; i++) await store.checkpoints('checkpoints').save('thread-1', { data: Uint8Array.of(i), metadata: { step: i } });
  await store.checkpoints('writes').save('thread-1', { data: Uint8Array.of(7) });
  await store.journal('events').append('run-1', ['start', 'tool', 'end']);
  await store.kv('cache').put('prompt', 'cached answer');
  await store.close();
});

afterAll(async () => {
  await tmp.remove();
});

/** Runs `agentstore <args>` on the app's data directory and checks it left the file tree as it was. */
async function readCommand(args: readonly string[]): Promise<Awaited<ReturnType<typeof cli>>> {
  const before = fileTree(dataDir);
  const r = await cli([...args, '--data-dir', dataDir]);
  expect(fileTree(dataDir), `agentstore ${args.join(' ')} changed the data directory`).toEqual(before);
  return r;
}

describe('a data directory that describes itself', () => {
  it('records every domain with its adapter and kind in the manifest', () => {
    const manifest = readManifest(dataDir);
    const summary = Object.fromEntries(Object.entries(manifest?.domains ?? {}).map(([d, r]) => [d, `${r.adapter}/${r.kind}`]));
    expect(summary).toEqual({
      memory: 'sqlite/kv',
      checkpoints: 'lmdb/checkpoints',
      writes: 'lmdb/checkpoints',
      events: 'level/journal',
      cache: 'sqlite/kv',
    });
    expect(manifest?.domains.cache?.options).toMatchObject({ path: 'cache/cache.db' });
  });

  it('`stats` with only the data directory shows all 5 domains on their 3 adapters, and writes nothing', async () => {
    const r = await readCommand(['stats', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ domain: string; adapter: string; kind: string; records: number }>;
    const seen = Object.fromEntries(rows.map((row) => [row.domain, `${row.adapter}/${row.kind}/${row.records}`]));
    expect(seen).toEqual({
      memory: 'sqlite/kv/2',
      checkpoints: 'lmdb/checkpoints/3',
      writes: 'lmdb/checkpoints/1',
      events: 'level/journal/3',
      cache: 'sqlite/kv/1',
    });
  });

  it('four processes recording at the same instant all end up in the manifest', async () => {
    const dir = join(tmp.dir, 'race');
    const go = join(tmp.dir, 'race-go');
    const names = ['race_a', 'race_b', 'race_c', 'race_d'];
    const children = names.map((d) => startChild('manifest-writer.ts', [dir, d, 'sqlite', go]));
    const recorded = children.map((c, i) => waitForLine(c, new RegExp(`recorded ${names[i]}`)));
    // Every child has its store open and polls for the file: one write releases them all at once.
    await Promise.all(children.map((c, i) => waitForLine(c, new RegExp(`ready ${names[i]}`))));
    await writeFile(go, '');
    await Promise.all(recorded);
    const manifest = readManifest(dir);
    expect(Object.keys(manifest?.domains ?? {}).sort()).toEqual(names);
    // No temporary file is left behind.
    expect(fileTree(dir).filter((line) => line.includes('.tmp'))).toEqual([]);
  }, 60_000);
});

describe('read commands never write', () => {
  it('ls, get, traces, checkpoints, export and doctor leave the file tree as it was', async () => {
    const ls = await readCommand(['ls', 'memory', '--json']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(JSON.parse(ls.stdout)).toHaveLength(2);
    const get = await readCommand(['get', 'memory', '["user","42"]']);
    expect(get.code, get.stderr).toBe(0);
    expect(JSON.parse(get.stdout)).toEqual({ name: 'Ada' });
    const cache = await readCommand(['get', 'cache', 'prompt']);
    expect(cache.stdout.trim()).toBe('"cached answer"');
    const traces = await readCommand(['traces', 'checkpoints', '--json']);
    expect(JSON.parse(traces.stdout)).toEqual([{ trace: 'thread-1' }]);
    const cps = await readCommand(['checkpoints', 'checkpoints', 'thread-1', '--json']);
    expect((JSON.parse(cps.stdout) as unknown[]).length).toBe(3);
    const events = await readCommand(['ls', 'events', '--json']);
    expect(JSON.parse(events.stdout)).toEqual([{ stream: 'run-1', lastSeq: 3 }]);
    const out = join(tmp.dir, 'memory.jsonl');
    const exp = await readCommand(['export', 'memory', '-o', out]);
    expect(exp.code, exp.stderr).toBe(0);
    expect((await readFile(out, 'utf8')).trim().split('\n')).toHaveLength(2 + 3); // header, kind, 2 entries, trailer
    const doctor = await readCommand(['doctor', '--json']);
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
    const rows = JSON.parse(doctor.stdout) as Array<{ target: string; status: string }>;
    for (const d of Object.keys(APP_ROUTES))
      expect(rows.some((row) => row.target.startsWith(`domain ${d} `) && row.status === 'ok')).toBe(true);
  }, 120_000);

  it('a never-written domain is NOT_FOUND and is not created', async () => {
    for (const args of [
      ['ls', 'nosuchdomain'],
      ['get', 'nosuchdomain', 'k'],
      ['traces', 'nosuch'],
      ['export', 'nosuch'],
    ]) {
      const r = await readCommand(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^error NOT_FOUND: /);
    }
  });

  it('a missing key is NOT_FOUND (exit 1), as JSON under --json', async () => {
    const r = await readCommand(['get', 'memory', 'nokey', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr)).toEqual({ error: { code: 'NOT_FOUND', message: expect.stringContaining('nokey') } });
  });

  it('a directory without a store is an error (exit 1) and stays untouched; a missing one is not created', async () => {
    const empty = join(tmp.dir, 'empty');
    await mkdir(empty);
    for (const cmd of [['stats'], ['ls', 'x'], ['doctor']]) {
      const r = await cli([...cmd, '--data-dir', empty]);
      expect(r.code, `${cmd.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/^error NOT_FOUND: no agentstore at /);
      expect(fileTree(empty)).toEqual([]);
    }
    const typo = join(tmp.dir, 'agent-dta');
    const r = await cli(['stats', '--data-dir', typo]);
    expect(r.code).toBe(1);
    expect(fileTree(tmp.dir).some((line) => line.startsWith('agent-dta'))).toBe(false);
  }, 60_000);
});

describe('config file', () => {
  it('names a custom adapter by module specifier; the CLI loads it from there and reads its domains', async () => {
    const dir = join(tmp.dir, 'custom');
    const fixture = join(import.meta.dirname, 'fixtures', 'custom-adapter.mjs');
    const { notesAdapter } = (await import(pathToFileURL(fixture).href)) as { notesAdapter: typeof sqliteAdapter };
    const routes = { notes: { adapter: 'notes_sqlite', options: { path: 'notes/notes.db' } } };
    const store = await createStore({ dataDir: dir, adapters: [sqliteAdapter, notesAdapter], domains: routes });
    await store.kv('notes').put('n1', 'hello');
    await store.close();
    const config = join(tmp.dir, 'custom.config.json');
    await writeFile(
      config,
      JSON.stringify({ dataDir: dir, adapters: ['sqlite', { name: 'notes_sqlite', module: fixture }], domains: routes }),
    );
    const before = fileTree(dir);
    const r = await cli(['stats', '--config', config, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ domain: 'notes', adapter: 'notes_sqlite', records: 1 })]);
    const get = await cli(['get', 'notes', 'n1', '--config', config]);
    expect(get.stdout.trim()).toBe('"hello"');
    expect(fileTree(dir)).toEqual(before);
    // Without the config the CLI does not know the adapter, and says which one is missing.
    const bare = await cli(['stats', '--data-dir', dir]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/INVALID_ADAPTER.*notes_sqlite/);
  }, 60_000);
});

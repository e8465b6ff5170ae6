/**
 * Issue 4, item 4: every row of `hostile/hostile-inputs.ts` against every adapter (memory included).
 * Each row must fail with its specific code (or be treated as plain data), create no file outside
 * dataDir (the listing of dataDir's parent is compared before and after), and leave the backend's
 * schema as it was: the domains the adapter lists, and for SQLite every `sqlite_master` row.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createStore, memoryAdapter, type Store } from '@agentstore/core';
import type { Adapter } from '@agentstore/core/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { persistentAdapters } from './harness/adapters.js';
import { recordFigures } from './harness/figures.js';
import { REPO_ROOT } from './harness/paths.js';
import { TempDirs } from './harness/temp-dirs.js';
import { HOSTILE_CASES, type HostileCase } from './hostile/hostile-inputs.js';

const ADAPTERS: ReadonlyArray<Adapter> = [memoryAdapter, ...persistentAdapters.map((a) => a.adapter)];

interface SqliteDb {
  prepare(sql: string): { all(): Array<Record<string, unknown>> };
  close(): void;
}
type SqliteCtor = new (file: string, options: { readonly: boolean; fileMustExist: boolean }) => SqliteDb;
const Database = createRequire(join(REPO_ROOT, 'packages', 'adapter-sqlite', 'package.json'))('better-sqlite3') as SqliteCtor;

/** Every file and directory under `dir`, as sorted relative paths. */
function listing(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => [
      `${prefix}${e.name}${e.isDirectory() ? '/' : ''}`,
      ...(e.isDirectory() ? listing(join(dir, e.name), `${prefix}${e.name}/`) : []),
    ])
    .sort();
}

/** `sqlite_master` rows of every database file under dataDir (SQLite only). */
function sqliteSchema(dataDir: string): string[] {
  const files = listing(dataDir).filter((f) => f.endsWith('.db'));
  return files.flatMap((file) => {
    const db = new Database(join(dataDir, file), { readonly: true, fileMustExist: true });
    try {
      return db
        .prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name')
        .all()
        .map((row) => `${file}: ${JSON.stringify(row)}`);
    } finally {
      db.close();
    }
  });
}

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

const tried = new Map<string, number>();
afterAll(() => {
  const total = [...tried.values()].reduce((a, b) => a + b, 0);
  console.log(
    `[reliability] hostile inputs: ${HOSTILE_CASES.length} inputs × ${ADAPTERS.length} adapters = ${total} tried ` +
      `(${[...tried].map(([a, n]) => `${a} ${n}`).join(', ')}), each with its expected code, no file outside dataDir, schema unchanged`,
  );
  recordFigures('hostile inputs', { inputs: HOSTILE_CASES.length, adapters: ADAPTERS.length, tried: total });
});

describe.each(ADAPTERS.map((a) => [a.name, a] as const))('hostile inputs: %s', (name, adapter) => {
  let store: Store;
  let parent: string;
  let dataDir: string;

  beforeAll(async () => {
    parent = dirs.make(`hostile-${name}`);
    dataDir = join(parent, 'data');
    store = await createStore({
      dataDir,
      adapters: [adapter],
      default: { adapter: name },
      domains: {
        small: { adapter: name, options: { maxValueBytes: 1024 } },
        small_cp: { adapter: name, options: { maxValueBytes: 1024 } },
      },
    });
    await store.kv('seeded').put('present', 'value');
    const graphs = store.checkpoints('graphs');
    await graphs.save('t1', { data: Uint8Array.of(1), metadata: { step: 1 } });
    await graphs.save('t1', { data: Uint8Array.of(2), metadata: { step: 2 } });
    await store.kv('small').put('seed', 1);
    await store.checkpoints('small_cp').save('t', { data: Uint8Array.of(1) });
    await store.kv<number>('tally').updateCounter('seed', 1);
  });
  afterAll(async () => {
    await store?.close();
  });

  const domains = async () => (await store.stats()).map((s) => `${s.domain}:${s.kind ?? '-'}`).sort();
  const schema = () => (name === 'sqlite' ? sqliteSchema(dataDir) : []);

  it.each(HOSTILE_CASES.map((c) => [`${c.group}: ${c.name} → ${c.expect}`, c] as const))('%s', async (_label, hostile: HostileCase) => {
    const parentBefore = listing(parent).filter((p) => !p.startsWith('data/'));
    const domainsBefore = await domains();
    const schemaBefore = schema();

    let outcome: { code: string; message: string } | 'ok';
    try {
      await hostile.run({ store, adapter: name, parent });
      outcome = 'ok';
    } catch (error) {
      const e = error as { code?: unknown; message?: unknown };
      outcome = { code: typeof e.code === 'string' ? e.code : `not a StoreError: ${String(e.message)}`, message: String(e.message) };
    }
    tried.set(name, (tried.get(name) ?? 0) + 1);

    if (hostile.expect === 'ok') expect(outcome).toBe('ok');
    else expect(outcome === 'ok' ? 'resolved' : outcome.code).toBe(hostile.expect);
    expect(listing(parent).filter((p) => !p.startsWith('data/'))).toEqual(parentBefore);
    expect(await domains()).toEqual(domainsBefore);
    expect(schema()).toEqual(schemaBefore);
    // The seeded data is intact.
    expect(await store.kv('seeded').get('present')).toBe('value');
  });
});

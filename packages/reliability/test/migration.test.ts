/**
 * Issue 14 (SPEC §9.1 "Migration"): `migrateDomain` while other processes, which opened the domain
 * before the migration started, keep writing to it through the old route. Every write those
 * processes saw acknowledged must be on the new route (the last acknowledged value of each key,
 * counters exactly at their acknowledged increments), each of them must get `MOVED` (never silence)
 * once the domain has moved, and the migration must have verified the copy by hash.
 */
import { createStore, type Store } from '@agentstore/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type ChildHandle, killAllChildren, release, spawnChild, takeAll } from './harness/child.js';
import { dropSchemas, PG_URL, postgresDownReason, schemaFor } from './harness/postgres.js';
import type { Message } from './harness/protocol.js';
import { type AdapterSource, type AnyAdapter, loadAdapter } from './harness/stores.js';
import { TempDirs } from './harness/temp-dirs.js';

const DOMAIN = 'moving';
const PRELOAD = 5_000;

const SQLITE: AdapterSource = { specifier: '@agentstore/adapter-sqlite', exportName: 'sqliteAdapter' };
const LMDB: AdapterSource = { specifier: '@agentstore/adapter-lmdb', exportName: 'lmdbAdapter' };
const POSTGRES: AdapterSource = { specifier: '@agentstore/adapter-postgres', exportName: 'postgresAdapter' };

interface Side {
  readonly source: AdapterSource;
  /** Route options; `pg` gets a connection string and a schema of its own per test. */
  readonly options?: Record<string, unknown>;
}

interface Report extends Message {
  readonly acked: Record<string, string | number>;
  readonly codes: Record<string, number>;
  readonly writes: number;
  readonly refused: boolean;
  readonly acceptedAfterRefusal: number;
}

const dirs = new TempDirs();
const schemas: string[] = [];
afterEach(async () => {
  await killAllChildren();
  dirs.removeAll();
});
afterAll(() => dropSchemas(schemas));

const pgDown = await postgresDownReason();
if (pgDown) console.log(`[reliability] migration: postgres cases skipped: ${pgDown}`);

const CASES: Array<[string, Side, Side, boolean]> = [
  ['sqlite → lmdb', { source: SQLITE }, { source: LMDB }, true],
  ['lmdb → sqlite', { source: LMDB }, { source: SQLITE }, true],
  ['sqlite → postgres', { source: SQLITE }, { source: POSTGRES, options: {} }, pgDown === undefined],
  ['postgres → lmdb', { source: POSTGRES, options: {} }, { source: LMDB }, pgDown === undefined],
];

describe('migrateDomain while other processes write through the old route', () => {
  for (const [name, from, to, runs] of CASES) {
    it.runIf(runs)(name, { timeout: 90_000 }, async () => {
      const dataDir = dirs.make('migrate');
      const fromAdapter = await loadAdapter(from.source);
      const toAdapter = await loadAdapter(to.source);
      const fromOptions = optionsFor(from, dataDir);
      const toOptions = optionsFor(to, dataDir);
      const store = await createStore({
        dataDir,
        adapters: [fromAdapter, toAdapter] as AnyAdapter[],
        domains: { [DOMAIN]: { adapter: fromAdapter.name, options: fromOptions } },
      });
      try {
        await preload(store);
        const writer = (mode: 'overwrite' | 'counter', n: number, lanes: number) =>
          spawnChild(`${mode}-${n}`, 'migration-writer.ts', {
            dataDir,
            source: from.source,
            options: fromOptions,
            domain: DOMAIN,
            mode,
            writer: n,
            keys: mode === 'overwrite' ? 64 : 4,
            lanes,
            afterRefusal: 20,
          });
        // Lone counter calls take a backend's native counter path where it has one; 3 lanes group them.
        const children = [writer('overwrite', 0, 2), writer('overwrite', 1, 1), writer('counter', 2, 1), writer('counter', 3, 3)];
        await takeAll(children, 'ready', 30_000);
        release(children);
        await sleep(300); // the writers are well under way before the copy starts
        const started = performance.now();
        const report = await store.migrateDomain(DOMAIN, { adapter: toAdapter.name, options: toOptions });
        const migrationMs = performance.now() - started;
        const reports = await Promise.all(children.map((child) => reportOf(child)));
        release(children, { t: 'exit' });

        // Every writer got MOVED once the domain had moved, and nothing else; none was accepted after.
        for (const r of reports) {
          expect(r.writes, 'the writer wrote before the move').toBeGreaterThan(0);
          expect(r.refused, 'the writer was refused').toBe(true);
          expect(Object.keys(r.codes)).toEqual(['MOVED']);
          expect(r.acceptedAfterRefusal).toBe(0);
        }

        // Every acknowledged write is on the new route: last value per key, counters exact.
        expect(store.adapterOf(DOMAIN)).toBe(toAdapter.name);
        const kv = store.kv<string | number>(DOMAIN);
        let checked = 0;
        const wrong: string[] = [];
        for (const r of reports) {
          for (const [id, value] of Object.entries(r.acked)) {
            const stored = await kv.get(JSON.parse(id));
            checked++;
            if (stored !== value) wrong.push(`${id}: acknowledged ${value}, stored ${String(stored)}`);
          }
        }
        expect(wrong.slice(0, 10), `${wrong.length} of ${checked} acknowledged writes are not on the new route`).toEqual([]);
        expect(await kv.count({ prefix: ['p'] })).toBe(PRELOAD);
        expect(await kv.get(['p', PRELOAD - 1])).toBe(`preload ${PRELOAD - 1}`);

        // The verification compared a hash of every key and value of both sides.
        expect(report.verification.algorithm).toBe('sha256');
        expect(report.verification.source).toMatch(/^[0-9a-f]{64}$/);
        expect(report.verification.target).toBe(report.verification.source);
        expect(report.verification.entries).toBe(report.records);

        // A store opened now on the old route cannot read the old location.
        const stale = await createStore({
          dataDir,
          adapters: [fromAdapter] as AnyAdapter[],
          domains: { [DOMAIN]: { adapter: fromAdapter.name, options: fromOptions } },
        });
        await expect(stale.kv(DOMAIN).get(['p', 1])).rejects.toMatchObject({ code: 'MOVED' });
        await stale.close();

        const writes = reports.reduce((sum, r) => sum + r.writes, 0);
        console.log(
          `[reliability] migration ${name}: ${writes} acknowledged writes by ${children.length} processes, ${checked} keys checked, ` +
            `${wrong.length} lost; ${report.records} entries, ${report.resynced} re-synced after the tombstone, ` +
            `hash ${report.verification.source.slice(0, 12)} on both sides; migration ${Math.round(migrationMs)} ms`,
        );
      } finally {
        await store.close();
      }
    });
  }
});

/** Route options of one side: a PostgreSQL side gets the test server and a schema of this test's own. */
function optionsFor(side: Side, dataDir: string): Record<string, unknown> {
  if (side.source !== POSTGRES) return side.options ?? {};
  return { ...side.options, connectionString: PG_URL, schema: schemaFor(dataDir, schemas) };
}

async function preload(store: Store): Promise<void> {
  const kv = store.kv<string>(DOMAIN);
  for (let i = 0; i < PRELOAD; i += 1000) {
    await kv.putMany(Array.from({ length: 1000 }, (_, j) => [['p', i + j], `preload ${i + j}`] as const));
  }
}

/**
 * The writer's final report: it stops by itself after its first refusal; one that is never refused
 * (the migration did not reach it) is told to stop, so the test fails on its figures, not a timeout.
 */
async function reportOf(child: ChildHandle): Promise<Report> {
  try {
    return await child.take<Report>('report', 8_000);
  } catch {
    child.send({ t: 'stop' });
    return child.take<Report>('report', 10_000);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Backends terminated under the adapter: calls fail with IO (never hang), later calls work, no acknowledged write is lost. */
import { rmSync } from 'node:fs';
import { createStore, type Store } from '@agentstore/core';
import { isStoreError, StoreError } from '@agentstore/core/spi';
import { afterEach, describe, expect, it } from 'vitest';
// The reliability report (`pnpm reliability --report`) runs this file too and collects its figures.
import { recordFigures } from '../../reliability/test/harness/figures.js';
import { lockKey } from '../src/identifiers.js';
import { postgresAdapter } from '../src/index.js';
import { tempTarget } from './helpers.js';
import { PG_URL, unreachableReason, withAdmin } from './pg-env.js';

const skipped = await unreachableReason();
if (skipped !== undefined) console.log(`[adapter-postgres] connection-loss tests skipped: ${skipped}`);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openStore(tag: string, extra: Record<string, unknown> = {}): Promise<{ store: Store; app: string; schema: string }> {
  const target = tempTarget(tag);
  const app = `agentstore-test-${tag}-${process.pid}`;
  const store = await createStore({
    dataDir: target.dataDir,
    adapters: [postgresAdapter],
    default: { adapter: 'postgres', options: { ...target.options, applicationName: app, ...extra } },
  });
  cleanups.push(target.cleanup, () => store.close().catch(() => {}));
  return { store, app, schema: target.schema };
}

/** Terminates every backend of `app` from a separate admin connection; returns how many. */
function terminate(app: string): Promise<number> {
  return withAdmin(async (client) => {
    const result = await client.query(
      'SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1',
      [app],
    );
    return result.rows[0].n as number;
  });
}

function codeOf(error: unknown): string {
  return isStoreError(error) ? error.code : `non-StoreError: ${String(error)}`;
}

/** Waits until a backend of `app` is waiting on a lock (so the call is surely in flight). */
async function waitForLockWait(app: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const waiting = await withAdmin(async (client) => {
      const r = await client.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
        [app],
      );
      return r.rows[0].n as number;
    });
    if (waiting > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no backend started waiting on the lock');
}

describe.skipIf(skipped !== undefined)('postgres connection loss', () => {
  it('a commit in flight when its backend dies (twice) rejects with IO; the next one succeeds', { timeout: 60_000 }, async () => {
    const { store, app, schema } = await openStore('inflight');
    const kv = store.kv<number>('lossy');
    await kv.put('before', 1);
    // Hold the domain's writer lock from outside, so the next commit waits on it, in flight.
    const admin = await withAdminSession();
    await admin.query(`SELECT pg_advisory_lock(${lockKey(schema, 'domain:lossy')})`);
    const started = Date.now();
    const pending = kv.put('during', 2).then(
      () => 'resolved',
      (error: unknown) => codeOf(error),
    );
    // The adapter retries a group once on a fresh connection when nothing was committed: kill both.
    await waitForLockWait(app);
    expect(await terminate(app)).toBeGreaterThan(0);
    await waitForLockWait(app);
    await terminate(app);
    expect(await pending).toBe('IO');
    expect(Date.now() - started).toBeLessThan(15_000);
    await admin.end();
    await kv.put('after', 3);
    expect(await kv.get('before')).toBe(1);
    expect(await kv.get('during')).toBeUndefined();
    expect(await kv.get('after')).toBe(3);
  });

  it('a read in flight when its backend dies (twice) rejects with IO; the next one succeeds', { timeout: 60_000 }, async () => {
    const { store, app, schema } = await openStore('read');
    const kv = store.kv<number>('lossy');
    await kv.put('k', 1);
    const admin = await withAdminSession();
    await admin.query('BEGIN');
    await admin.query(`LOCK TABLE "${schema}"."d_lossy" IN ACCESS EXCLUSIVE MODE`);
    const pending = kv.get('k').then(
      () => 'resolved',
      (error: unknown) => codeOf(error),
    );
    await waitForLockWait(app);
    await terminate(app);
    await waitForLockWait(app);
    await terminate(app);
    expect(await pending).toBe('IO');
    await admin.query('ROLLBACK');
    await admin.end();
    expect(await kv.get('k')).toBe(1);
  });

  it('terminating the pool mid-workload: failures are IO, nothing hangs, no acknowledged write is lost', { timeout: 120_000 }, async () => {
    const { store, app } = await openStore('workload');
    const kv = store.kv<number>('work');
    const acknowledged = new Set<number>();
    const failures = new Map<string, number>();
    let counterAcks = 0;
    let slowest = 0;
    let next = 0;
    let stop = false;
    const lane = async (lane: number) => {
      while (!stop) {
        const i = next++;
        const t0 = Date.now();
        try {
          if (i % 5 === 0) {
            await kv.updateCounter('acks', 1);
            counterAcks++;
          } else if (i % 7 === 0) {
            await kv.get(i - 1);
          } else {
            await kv.put(i, lane);
            acknowledged.add(i);
          }
        } catch (error) {
          const code = codeOf(error);
          failures.set(code, (failures.get(code) ?? 0) + 1);
        }
        slowest = Math.max(slowest, Date.now() - t0);
      }
    };
    const lanes = Array.from({ length: 16 }, (_, i) => lane(i));
    let killed = 0;
    for (let round = 0; round < 8; round++) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      killed += await terminate(app);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop = true;
    await Promise.all(lanes);

    // Only IO failures, no call took long, and the store works afterwards.
    expect([...failures.keys()].filter((code) => code !== 'IO')).toEqual([]);
    expect(slowest).toBeLessThan(15_000);
    await kv.put('after', 1);
    // Every acknowledged write is there (read through a fresh store, on fresh connections).
    const verifyDir = tempTarget('verify');
    cleanups.push(async () => rmSync(verifyDir.dataDir, { recursive: true, force: true }));
    const verify = await createStore({
      dataDir: verifyDir.dataDir,
      adapters: [postgresAdapter],
      default: { adapter: 'postgres', options: store.domainConfig('work').options as Record<string, unknown> },
    });
    const values = await verify.kv<number>('work').getMany([...acknowledged]);
    const missing = [...acknowledged].filter((_, j) => values[j] === undefined);
    expect(missing).toEqual([]);
    // Counter: at least every acknowledged increment (an increment whose COMMIT outcome was unknown may be there too).
    const counter = (await verify.kv<number>('work').get('acks')) ?? 0;
    expect(counter).toBeGreaterThanOrEqual(counterAcks);
    await verify.close();
    const ioFailures = failures.get('IO') ?? 0;
    expect(killed).toBeGreaterThan(0);
    console.log(
      `[adapter-postgres] connection loss: ${killed} backends terminated in 8 rounds; ${acknowledged.size} acknowledged puts all present, ` +
        `${counterAcks} acknowledged increments ≤ counter ${counter}; ${ioFailures} calls failed, all IO; slowest call ${slowest} ms`,
    );
    recordFigures('postgres connection loss', {
      'PostgreSQL backends terminated': killed,
      acknowledged: acknowledged.size + counterAcks,
      lost: missing.length,
      'calls failed (IO)': ioFailures,
      'slowest call (ms)': slowest,
    });
  });

  it('an unreachable server fails with IO within the connect timeout, never hangs', { timeout: 30_000 }, async () => {
    const target = tempTarget('unreachable');
    cleanups.push(target.cleanup);
    const store = await createStore({
      dataDir: target.dataDir,
      adapters: [postgresAdapter],
      default: { adapter: 'postgres', options: { connectionString: 'postgres://postgres@127.0.0.1:1/test', connectTimeoutMs: 1000 } },
    });
    const started = Date.now();
    const error = await store
      .kv('x')
      .get('k')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('IO');
    expect(Date.now() - started).toBeLessThan(5_000);
    await store.close();
  });
});

/** A long-lived admin connection (closed by the test). */
async function withAdminSession() {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: PG_URL, application_name: 'agentstore-test-admin' });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/**
 * Issue 18 (SPEC §9.4): the TTL sweep racing writers. Writers rewrite their keys with short TTLs (soon
 * expired), long TTLs, no TTL and deletes while a sweeper — another process where the adapter allows
 * it, else a lane in the writer's process — deletes expired records over and over. A sweep reads
 * expired records outside its transaction and must check each again inside it: a record rewritten in
 * between is a live, acknowledged write. Checked: every long or plain write reads back at once, and
 * after all stop each key holds exactly its last acknowledged write (or nothing when that was a
 * delete or an expired short TTL), before and after a last sweep, which leaves no expired record.
 * With the check inside the sweep's transaction removed, every adapter fails here (2–58 writes lost
 * per run, measured 2026-12-05).
 */
import type { Store } from '@agentstore/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LastWrite } from './children/ttl-racer.js';
import { storeCases } from './harness/cases.js';
import { type ChildHandle, killAllChildren, release, spawnChild, takeAll } from './harness/child.js';
import { recordFigures } from './harness/figures.js';
import { dropSchemas, postgresDownReason } from './harness/postgres.js';
import type { Message } from './harness/protocol.js';
import { withStore } from './harness/stores.js';
import { TempDirs } from './harness/temp-dirs.js';

const DOMAIN = 'leases';
const KEYS_PER_WRITER = 10;
const ROUNDS = 300;
const MAX_MS = 8_000;

interface Done extends Message {
  readonly last: Record<string, LastWrite>;
  readonly lost: string[];
  readonly writes: number;
  readonly swept: number;
}

const dirs = new TempDirs();
afterEach(async () => {
  await killAllChildren();
  dirs.removeAll();
});
const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

const pgDown = await postgresDownReason();
if (pgDown) console.log(`[reliability] TTL sweep race: postgres skipped: ${pgDown}`);

const cases = storeCases(dirs, 'ttl-race', schemas, pgDown);

/** What each key must read as now, by its last acknowledged write; `undefined` for "absent". */
function expectedAt(last: Record<string, LastWrite>, now: number): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const [key, w] of Object.entries(last)) {
    // A short TTL's expiry lies between its call and `ackAt + ttlMs`: wait for that before checking.
    const alive = w.op === 'long' || w.op === 'plain' || (w.op === 'short' && now < (w.ackAt as number) - 1_000);
    out.set(key, alive ? w.value : undefined);
  }
  return out;
}

/** Keys whose stored state differs from `expected`, with what was read. */
async function differences(store: Store, expected: Map<string, string | undefined>): Promise<string[]> {
  const kv = store.kv<string>(DOMAIN);
  const keys = [...expected.keys()];
  const read = await kv.getMany(keys);
  const wrong = keys.flatMap((key, i) =>
    read[i] === expected.get(key) ? [] : [`${key}: expected ${String(expected.get(key))}, read ${String(read[i])}`],
  );
  const live = [...expected.values()].filter((v) => v !== undefined).length;
  const counted = await kv.count();
  if (counted !== live) wrong.push(`count() ${counted}, expected ${live}`);
  return wrong;
}

describe.each(cases)('TTL sweep racing writers: %s', (label, multiProcess, makeTarget) => {
  const writers = multiProcess ? 2 : 1;
  it(`${writers} writer(s) × ${KEYS_PER_WRITER} keys against a sweep that never stops: no acknowledged write lost, no expired record left`, {
    timeout: 120_000,
  }, async () => {
    const target = makeTarget();
    const started = performance.now();
    const seed = 0x7711 + cases.findIndex((c) => c[0] === label) * 977;
    const racers = Array.from({ length: writers }, (_, writer) =>
      spawnChild(`ttl-racer-${writer}`, 'ttl-racer.ts', {
        target,
        domain: DOMAIN,
        writer,
        keys: KEYS_PER_WRITER,
        rounds: ROUNDS,
        maxMs: MAX_MS,
        seed: seed + writer,
        sweeper: !multiProcess,
      }),
    );
    const sweepers: ChildHandle[] = multiProcess ? [spawnChild('ttl-sweeper', 'ttl-sweeper.ts', { target, domain: DOMAIN })] : [];
    await takeAll([...racers, ...sweepers], 'ready', 60_000);
    release([...racers, ...sweepers]);
    const done = await takeAll<Done>(racers, 'done', 60_000);
    release(sweepers, { t: 'stop' });
    const swept = await takeAll<Message & { passes: number; removed: number }>(sweepers, 'swept', 30_000);
    for (const child of [...racers, ...sweepers]) expect(await child.waitExit()).toEqual({ code: 0, signal: null });

    expect(done.flatMap((d) => d.lost)).toEqual([]);
    const last = Object.assign({}, ...done.map((d) => d.last)) as Record<string, LastWrite>;
    const removedDuring = swept.reduce((n, s) => n + s.removed, 0) + done.reduce((n, d) => n + d.swept, 0);
    // The race happened: the sweep removed expired records while the writers ran.
    expect(removedDuring).toBeGreaterThan(0);

    // Wait until every short TTL has run out, so each key has one right answer.
    const latestShort = Math.max(0, ...Object.values(last).map((w) => (w.op === 'short' ? w.ackAt + (w.ttlMs as number) : 0)));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, latestShort - Date.now() + 5)));
    const expected = expectedAt(last, Date.now());
    const { before, after, removedLast, records, control } = await withStore(target, async (store) => {
      const before = await differences(store, expected);
      const removedLast = await store.kv<string>(DOMAIN).sweepExpired();
      const after = await differences(store, expected);
      const records = (await store.stats()).find((s) => s.domain === DOMAIN)?.records ?? 0;
      // Negative control: a live key deleted behind the writers' backs is reported.
      const victim = [...expected].find(([, v]) => v !== undefined)?.[0] as string;
      await store.kv<string>(DOMAIN).delete(victim);
      const control = await differences(store, expected);
      return { before, after, removedLast, records, control };
    });
    expect(before).toEqual([]);
    expect(after).toEqual([]);
    const live = [...expected.values()].filter((v) => v !== undefined).length;
    // Nothing expired is left stored (the one non-lease record is the domain's TTL marker).
    expect(records - live).toBeLessThanOrEqual(1);
    expect(control.length).toBeGreaterThan(0);

    const writes = done.reduce((n, d) => n + d.writes, 0);
    console.log(
      `[reliability] TTL sweep race ${label}: ${writes} writes by ${writers} writer(s), ${removedDuring} expired records swept ` +
        `meanwhile, ${removedLast} by the last sweep; ${live} live keys as acknowledged, 0 lost; ${Math.round(performance.now() - started)} ms`,
    );
    recordFigures(`TTL sweep race ${label}`, { writes, 'swept during': removedDuring, 'live keys': live, lost: 0 });
  });
});

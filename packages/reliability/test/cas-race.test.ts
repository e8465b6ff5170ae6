/**
 * Issue 2: processes racing `save(trace, { expectLatest })` on the same parent — exactly one wins,
 * every other gets `CONFLICT` and writes nothing. 20 races per run, the first on an empty trace
 * (`expectLatest: null`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { multiProcessAdapters } from './harness/adapters.js';
import { killAllChildren, release, spawnChild, takeAll } from './harness/child.js';
import { recordFigures } from './harness/figures.js';
import type { Message } from './harness/protocol.js';
import { redisUnderTest } from './harness/redis.js';
import { withStore } from './harness/stores.js';
import { TempDirs } from './harness/temp-dirs.js';

const ROUNDS = 20;
const TRACE = 'contested';

interface Result extends Message {
  readonly round: number;
  readonly ok: boolean;
  readonly id?: string;
  readonly seq?: number;
  readonly parentId?: string | null;
  readonly code?: string;
}

const dirs = new TempDirs();
afterEach(async () => {
  await killAllChildren();
  dirs.removeAll();
});

const adapters = [...multiProcessAdapters, ...(await redisUnderTest())];
const cases = adapters.flatMap((a) => [2, 4].map((racers) => [a.name, racers, a] as const));

describe.each(cases)('expectLatest race across processes: %s, %i racers', (_name, racers, adapter) => {
  it(`exactly one of ${racers} wins each of ${ROUNDS} races; the others get CONFLICT`, { timeout: 180_000 }, async () => {
    const target = adapter.target(dirs.make('cas'));
    const started = performance.now();
    const children = Array.from({ length: racers }, (_, racer) =>
      spawnChild(`racer-${racer}`, 'cas-racer.ts', { target, domain: 'graphs', trace: TRACE, racer }),
    );
    await takeAll(children, 'ready', 60_000);

    let latest: string | null = null;
    const chain: string[] = [];
    const wins = new Array<number>(racers).fill(0);
    for (let round = 0; round < ROUNDS; round++) {
      release(children, { t: 'race', round, expectLatest: latest });
      const results = await Promise.all(children.map((c) => c.take<Result>((m) => m.t === 'result' && m.round === round, 30_000)));
      const winners = results.filter((r) => r.ok);
      const losers = results.filter((r) => !r.ok);
      expect(winners, `round ${round}: ${JSON.stringify(results)}`).toHaveLength(1);
      expect(losers.map((r) => r.code)).toEqual(new Array(racers - 1).fill('CONFLICT'));
      const winner = winners[0] as Result;
      expect(winner.seq).toBe(round + 1);
      expect(winner.parentId).toBe(latest);
      wins[results.indexOf(winner)] = (wins[results.indexOf(winner)] ?? 0) + 1;
      latest = winner.id as string;
      chain.push(latest);
    }
    release(children, { t: 'stop' });
    await takeAll(children, 'closed', 30_000);

    // The losers wrote nothing: the trace is exactly the chain of winners.
    const listed = await withStore(target, (store) => store.checkpoints('graphs').list(TRACE));
    expect(listed.map((c) => c.id)).toEqual([...chain].reverse());
    expect(listed.map((c) => c.seq)).toEqual(Array.from({ length: ROUNDS }, (_, i) => ROUNDS - i));
    expect(listed.map((c) => c.parentId ?? null)).toEqual([null, ...chain.slice(0, -1)].reverse());
    console.log(
      `[reliability] expectLatest race ${adapter.name}, ${racers} racers: ${ROUNDS} rounds, exactly one winner each ` +
        `(wins per racer ${wins.join('/')}), ${ROUNDS * (racers - 1)} CONFLICTs, ${Math.round(performance.now() - started)} ms`,
    );
    recordFigures(`expectLatest race ${adapter.name} × ${racers}`, {
      races: ROUNDS,
      winners: listed.length,
      CONFLICTs: ROUNDS * (racers - 1),
    });
  });
});

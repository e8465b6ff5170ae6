/**
 * A writer racing the TTL sweep (SPEC §9.4): it owns `keys` keys and rewrites them round after round,
 * each write one of: a short TTL (1–20 ms, soon expired and a target for the sweep), a long TTL, no
 * TTL, or a delete. Right after a long or plain write resolves, and again before its next write to
 * the key, it reads the key back — nothing else writes it, so a sweep deleting it is a lost
 * acknowledged write. With `sweeper`, a lane in the same
 * process runs `sweepExpired()` over and over (for adapters one process owns). Reports every key's
 * last acknowledged write.
 */
import { childParams, receive, runChild, send } from '../harness/child-runtime.js';
import { Rng } from '../harness/random.js';
import { openStore, type StoreTarget } from '../harness/stores.js';

interface Params {
  readonly target: StoreTarget;
  readonly domain: string;
  readonly writer: number;
  readonly keys: number;
  readonly rounds: number;
  readonly maxMs: number;
  readonly seed: number;
  readonly sweeper: boolean;
}

/** What a writer last did to a key, as acknowledged. */
export interface LastWrite {
  readonly op: 'short' | 'long' | 'plain' | 'del';
  readonly value?: string;
  readonly ttlMs?: number;
  /** `Date.now()` when the write resolved (a short TTL ran out no later than `ackAt + ttlMs`). */
  readonly ackAt: number;
}

const LONG_TTL_MS = 10 * 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

runChild(async () => {
  const { target, domain, writer, keys, rounds, maxMs, seed, sweeper } = childParams<Params>();
  const store = await openStore(target);
  const kv = store.kv<string>(domain);
  await kv.get('open'); // opens the domain before the barrier
  send({ t: 'ready' });
  await receive('go');

  const rng = new Rng(seed);
  const last: Record<string, LastWrite> = {};
  const lost: string[] = [];
  const started = Date.now();
  let writes = 0;
  let sweeping = sweeper;
  let swept = 0;
  const sweepLane = async () => {
    while (sweeping) {
      swept += await kv.sweepExpired();
      // A pass that finds nothing reads synchronously: yield a turn, or this lane starves the writer's timers.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const sweeps = sweeper ? sweepLane() : Promise.resolve();

  for (let round = 0; round < rounds && Date.now() - started < maxMs; round++) {
    for (let k = 0; k < keys; k++) {
      const key = `w${writer}-k${k}`;
      const value = `${writer}/${round}/${k}`;
      // A long or plain write must still be there when its writer comes back to the key.
      const before = last[key];
      if (before?.op === 'long' || before?.op === 'plain') {
        const read = await kv.get(key);
        if (read !== before.value) lost.push(`${key}: wrote ${String(before.value)}, a round later read ${String(read)}`);
      }
      const pick = rng.next();
      if (pick < 0.55) {
        const ttlMs = 1 + Math.floor(rng.next() * 20);
        await kv.put(key, value, { ttlMs });
        last[key] = { op: 'short', value, ttlMs, ackAt: Date.now() };
      } else if (pick < 0.8 || pick >= 0.95) {
        const long = pick < 0.8;
        await kv.put(key, value, long ? { ttlMs: LONG_TTL_MS } : undefined);
        last[key] = { op: long ? 'long' : 'plain', value, ackAt: Date.now() };
        const read = await kv.get(key);
        if (read !== value) lost.push(`${key}: wrote ${value}, read back ${String(read)}`);
      } else {
        await kv.delete(key);
        last[key] = { op: 'del', ackAt: Date.now() };
      }
      writes++;
    }
    // Let short TTLs run out so that sweeps meet expired records the next round rewrites.
    await sleep(Math.floor(rng.next() * 6));
  }
  sweeping = false;
  await sweeps;
  await store.close();
  send({ t: 'done', last, lost, writes, swept });
});

/**
 * A writer to be killed, for the `fast` prefix rounds (SPEC §9.2). After `go` it runs two lanes in
 * one process until SIGKILL:
 * - honest: puts keys `[round, writer, 0]`, `[round, writer, 1]`, … one after another in a `fast`
 *   domain, printing `{ t: 'a', i, at }` after each put resolved (its acknowledgement), now and then
 *   pausing a few ms so batches end by the window as well as by size;
 * - control (negative control): a deliberately reordering writer on a `balanced` domain, which puts
 *   each block of 8 keys highest first, each committed before the next: a kill inside a block leaves
 *   a hole the parent's prefix check must find.
 */
import { createStore } from '@agentstore/core';
import { childParams, receive, runChild, send } from '../harness/child-runtime.js';
import { FAST_DOMAINS } from '../harness/fast-prefix.js';
import { Rng } from '../harness/random.js';
import { loadAdapter, type StoreTarget } from '../harness/stores.js';

interface Params {
  readonly target: StoreTarget;
  readonly writer: number;
  readonly round: number;
  readonly seed: number;
}

/** Keys per block of the reordering control. */
const BLOCK = 8;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

runChild(
  async () => {
    const { target, writer, round, seed } = childParams<Params>();
    const adapter = await loadAdapter(target.source);
    send({ t: 'loaded' });
    await receive('go');
    const rng = new Rng(seed);
    const options = target.options ?? {};
    const store = await createStore({
      dataDir: target.dataDir,
      adapters: [adapter],
      default: { adapter: adapter.name, options },
      domains: {
        [FAST_DOMAINS.honest]: { adapter: adapter.name, options: { ...options, durability: 'fast' } },
        [FAST_DOMAINS.control]: { adapter: adapter.name, options: { ...options, durability: 'balanced' } },
      },
    });
    const honest = store.kv<number>(FAST_DOMAINS.honest);
    const control = store.kv<number>(FAST_DOMAINS.control);

    const honestLane = async () => {
      for (let i = 0; ; i++) {
        await honest.put([round, writer, i], i);
        send({ t: 'a', i, at: Date.now() });
        if (rng.next() < 1 / 64) await sleep(rng.int(0, 3));
      }
    };
    const controlLane = async () => {
      for (let block = 0; ; block += BLOCK) {
        for (let i = block + BLOCK - 1; i >= block; i--) {
          await control.put([round, writer, i], i);
          send({ t: 'c', i });
        }
      }
    };
    await Promise.all([honestLane(), controlLane()]);
  },
  { maxMs: 60_000 },
);

/**
 * A writer to be killed: after `go` it writes in `lanes` concurrent loops until SIGKILL, mixing
 * checkpoint saves (random 1 B–64 KiB data on one shared trace), kv puts of random bytes, and
 * counter increments (its own counter and a shared one, in one atomic `updateCounters`). Each write
 * is printed, with the SHA-256 of its bytes, only after the call that made it resolved.
 */
import { webcrypto } from 'node:crypto';
import { childParams, receive, runChild, send } from '../harness/child-runtime.js';
import { CRASH_DOMAINS, CRASH_TRACE, type CrashAck, counterKey, kvKey } from '../harness/crash-layout.js';
import { Rng, sha256 } from '../harness/random.js';
import { openStore, type StoreTarget } from '../harness/stores.js';

interface Params {
  readonly target: StoreTarget;
  readonly writer: number;
  readonly round: number;
  readonly lanes: number;
  readonly seed: number;
  /**
   * Negative control: one more loop that prints each put of the control domain *before* making it.
   * It runs in the same process, under the same kills, as the honest loops.
   */
  readonly control?: boolean;
}

/** Random bytes of a log-uniform size in 1 B..64 KiB (getRandomValues fills at most 64 KiB at once). */
function randomData(rng: Rng): Uint8Array {
  return webcrypto.getRandomValues(new Uint8Array(rng.logInt(1, 65_536)));
}

runChild(
  async () => {
    const { target, writer, round, lanes, seed, control = false } = childParams<Params>();
    send({ t: 'loaded' });
    await receive('go');
    const rng = new Rng(seed);
    const store = await openStore(target);
    const checkpoints = store.checkpoints(CRASH_DOMAINS.checkpoints);
    const kv = store.kv<Uint8Array>(CRASH_DOMAINS.kv);
    const counters = store.kv<number>(CRASH_DOMAINS.counters);
    const controlKv = store.kv<Uint8Array>(CRASH_DOMAINS.control);
    let puts = 0;
    let controlPuts = 0;

    const ack = (message: CrashAck) => send(message);
    const controlLane = async () => {
      for (;;) {
        // A deliberately broken writer: the acknowledgement precedes the write by a few ms, so a kill
        // in between leaves an acknowledged put that never happened. The harness must catch it.
        const key = kvKey(writer, round, controlPuts++);
        const value = webcrypto.getRandomValues(new Uint8Array(rng.int(1, 256)));
        ack({ t: 'ctl', key, size: value.length, sha: sha256(value) });
        await new Promise((resolve) => setTimeout(resolve, 5));
        await controlKv.put(key, value);
      }
    };
    const lane = async () => {
      for (;;) {
        const pick = rng.next();
        if (pick < 0.5) {
          const data = randomData(rng);
          const info = await checkpoints.save(CRASH_TRACE, { data, metadata: { writer, round } });
          ack({ t: 'cp', id: info.id, seq: info.seq, size: data.length, sha: sha256(data) });
        } else if (pick < 0.75) {
          const key = kvKey(writer, round, puts++);
          const value = randomData(rng);
          await kv.put(key, value);
          ack({ t: 'kv', key, size: value.length, sha: sha256(value) });
        } else {
          const [own, shared] = await counters.updateCounters([
            [counterKey(writer), 1],
            [counterKey('all'), 1],
          ]);
          ack({ t: 'ctr', own: own ?? -1, shared: shared ?? -1 });
        }
      }
    };
    await Promise.all([...Array.from({ length: lanes }, lane), ...(control ? [controlLane()] : [])]);
  },
  { maxMs: 60_000 },
);

/**
 * A vectors writer. `mode: 'crash'`: after `go`, upserts batches of 1..40 vectors in `lanes` loops
 * until SIGKILL, printing each batch only after `upsertMany` resolved. `mode: 'commands'`: runs
 * `upsert` and `delete` messages one at a time and acknowledges each once it resolved.
 */
import { childParams, receive, runChild, send } from '../harness/child-runtime.js';
import { Rng } from '../harness/random.js';
import { type KindsTarget, openTarget } from './open.js';
import { crashVector, VECTOR_DIMS } from './vectors-values.js';

/** Vectors a writer issues per round at most (below the check's 10,000 per search, whatever its lanes add). */
const ROUND_CAP = 8_000;

interface Params {
  readonly target: KindsTarget;
  readonly mode: 'crash' | 'commands';
  readonly writer: number;
  readonly round: number;
  readonly lanes: number;
  readonly seed: number;
}

runChild(
  async () => {
    const { target, mode, writer, round, lanes, seed } = childParams<Params>();
    const store = await openTarget(target);
    const vectors = store.vectors('memory', { dims: VECTOR_DIMS, metric: 'cosine' });
    send({ t: 'loaded' });
    if (mode === 'commands') {
      for (;;) {
        const m = await receive((x) => x.t === 'upsert' || x.t === 'delete' || x.t === 'stop');
        if (m.t === 'stop') break;
        const key = m.key as string;
        if (m.t === 'upsert') await vectors.upsert(key, m.vector as number[], { by: writer });
        else await vectors.delete(key);
        send({ t: 'done', key });
      }
      await store.close();
      return;
    }
    await receive('go');
    const rng = new Rng(seed);
    let batches = 0;
    let issued = 0;
    const lane = async () => {
      for (;;) {
        // The check lists a writer's round with one search (at most 10,000 results): past the cap the
        // writer waits for its kill instead of writing more than one search can list.
        if (issued >= ROUND_CAP) return new Promise<never>(() => {});
        const k = batches++;
        const n = rng.int(1, 40);
        issued += n;
        await vectors.upsertMany(
          Array.from({ length: n }, (_, j) => ({
            key: ['w', writer, round, k, j],
            vector: crashVector(writer, round, k, j),
            metadata: { n },
          })),
        );
        send({ t: 'ack', k, n });
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
  },
  { maxMs: 60_000 },
);

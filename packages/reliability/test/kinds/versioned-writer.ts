/**
 * A versioned writer to be killed: after `go` it runs ops `factOp(writer, round, k)` (puts, corrections,
 * retractions on keys shared with the other writers) in `lanes` loops until SIGKILL, printing each op
 * with the clock read before it started and after it resolved, only once it resolved.
 */
import { childParams, receive, runChild, send } from '../harness/child-runtime.js';
import { type KindsTarget, openTarget } from './open.js';
import { type FactValue, factOp, OPS_PER_WRITER } from './versioned-values.js';

interface Params {
  readonly target: KindsTarget;
  readonly writer: number;
  readonly round: number;
  readonly lanes: number;
}

runChild(
  async () => {
    const { target, writer, round, lanes } = childParams<Params>();
    const store = await openTarget(target);
    const facts = store.versioned<FactValue>('facts');
    send({ t: 'loaded' });
    await receive('go');
    let next = 0;
    const lane = async () => {
      // Past the ids of this writer and round, wait for the kill.
      while (next < OPS_PER_WRITER) {
        const k = next++;
        const op = factOp(writer, round, k);
        const interval = { validFrom: op.validFrom, ...(op.validTo === undefined ? {} : { validTo: op.validTo }) };
        const before = Date.now();
        if (op.kind === 'retract') await facts.retract(op.key, interval);
        else if (op.kind === 'put') await facts.put(op.key, op.value as FactValue, interval);
        else await facts.correct(op.key, op.value as FactValue, interval);
        send({ t: 'ack', k, before, after: Date.now() });
      }
      return new Promise<never>(() => {});
    };
    await Promise.all(Array.from({ length: lanes }, lane));
  },
  { maxMs: 60_000 },
);

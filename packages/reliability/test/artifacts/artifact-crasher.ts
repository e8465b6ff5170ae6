/**
 * An artifacts writer to be killed with SIGKILL. `mode: 'write'`: after `go`, holds one reservation
 * (never committed), streams without end into a reservation and into a plain `putStream`, and loops
 * plain puts, reporting each put only after it resolved and each streamed piece as it is handed over.
 * `mode: 'lease'`: checks out the given keys with their ttls, reports `leased`, then waits to be killed.
 * `mode: 'reserve'`: reserves `key`, reports `reserved`, commits on `commit`, then waits to be killed.
 * `mode: 'hold'`: checks out `leases`, reserves `reservations` and streams without end into `stream`
 * (each with a 10-minute ttl, so only its death can free them), reports `holding` once the stream's
 * first batch is stored, then waits to be killed.
 */
import { childParams, receive, runChild, send } from '../harness/child-runtime.js';
import { Rng } from '../harness/random.js';
import { openStore, type StoreTarget } from '../harness/stores.js';
import { blobData, DOMAIN } from './blob-data.js';

interface Params {
  readonly target: StoreTarget;
  readonly mode: 'write' | 'lease' | 'reserve' | 'hold';
  readonly seed: number;
  readonly ttlMs: number;
  readonly budgetBytes?: number;
  readonly leases?: ReadonlyArray<{ key: string; ttlMs: number }>;
  /** `mode: 'reserve'`: the key to reserve, commit on `commit`. */
  readonly key?: string;
  /** `mode: 'hold'`: keys to reserve. */
  readonly reservations?: readonly string[];
  /** `mode: 'hold'`: key of the endless stream. */
  readonly stream?: string;
}

/** Lifetime of everything `mode: 'hold'` takes: far longer than any test, so no record lapses by itself. */
const HOLD_TTL_MS = 600_000;

const PIECE = 256 * 1024;

async function* endless(name: string): AsyncGenerator<Uint8Array> {
  const data = blobData(name, PIECE);
  for (let i = 0; ; i++) {
    send({ t: 'piece', stream: name, i });
    yield data;
    await new Promise((r) => setTimeout(r, 2));
  }
}

runChild(
  async () => {
    const { target, mode, seed, ttlMs, budgetBytes, leases = [], key = 'k', reservations = [], stream } = childParams<Params>();
    const store = await openStore(target);
    const a = store.artifacts(DOMAIN, { reservationTtlMs: ttlMs, ...(budgetBytes === undefined ? {} : { budgetBytes }) });
    if (mode === 'lease') {
      const expires: Record<string, number> = {};
      for (const { key, ttlMs: ttl } of leases) {
        const lease = await a.checkout(key, { ttlMs: ttl });
        if (lease === undefined) throw new Error(`nothing to lease under ${key}`);
        expires[key] = lease.expiresAt;
      }
      send({ t: 'leased', expires });
      await receive('never');
      return;
    }
    if (mode === 'hold') {
      const held = store.artifacts(DOMAIN, { reservationTtlMs: HOLD_TTL_MS, leaseTtlMs: HOLD_TTL_MS });
      for (const { key } of leases) if ((await held.checkout(key)) === undefined) throw new Error(`nothing to lease under ${key}`);
      for (const key of reservations) await held.reserve(key);
      if (stream !== undefined) {
        let firstBatchStored: () => void = () => {};
        const stored = new Promise<void>((resolve) => {
          firstBatchStored = resolve;
        });
        async function* stalled(): AsyncGenerator<Uint8Array> {
          const data = blobData(stream as string, PIECE);
          for (let i = 0; i < 4; i++) yield data;
          // Piece 5 is pulled only after pieces 1-4 were stored as one batch: the stream has chunks on disk.
          firstBatchStored();
          await new Promise<never>(() => {});
        }
        void held.putStream(stream, stalled());
        await stored;
      }
      send({ t: 'holding' });
      await receive('never');
      return;
    }
    if (mode === 'reserve') {
      const reservation = await a.reserve(key);
      send({ t: 'reserved' });
      await receive('commit');
      await reservation.commit(blobData(key, 100_000));
      send({ t: 'committed' });
      await receive('never');
      return;
    }
    send({ t: 'loaded' });
    await receive('go');
    const rng = new Rng(seed);
    const held = await a.reserve('held');
    send({ t: 'reserved', expiresAt: held.expiresAt });
    const reserved = await a.reserve('reserved-stream');
    const streams = [reserved.commitStream(endless('reserved-stream')), a.putStream('plain-stream', endless('plain-stream'))];
    const puts = (async () => {
      for (let i = 0; ; i++) {
        const key = `put-${i}`;
        const size = rng.logInt(1024, 700 * 1024);
        await a.put(key, blobData(key, size));
        send({ t: 'ack', key, size });
      }
    })();
    await Promise.all([...streams, puts]);
  },
  { maxMs: 120_000 },
);

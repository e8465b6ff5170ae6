import { defaultCodec } from '../codec/index.js';
import { StoreError } from '../errors.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import type { StoreContext } from '../runtime/store-context.js';
import { guard } from '../runtime/to-store-error.js';
import type { Tx } from '../spi/backend.js';
import type { Codec } from '../types.js';
import { deepFreeze } from './deep-freeze.js';
import { MISS, SnapshotCache } from './snapshot-cache.js';
import { decodeRecord, EPOCH_KEY, encodeRecord, epochOf, newStamp, SNAPSHOT_KEY, setEpoch } from './snapshot-layout.js';
import type { Snapshot, SnapshotOptions, SnapshotStore } from './types.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const NO_OPTS: SnapshotOptions = Object.freeze({});

/**
 * The `snapshots` handle (SPEC §5). A swap writes the small epoch record and the snapshot record in
 * one transaction. `get` reads only the epoch record and answers from the process-wide cache while
 * it is unchanged; otherwise it reads the snapshot record, which carries its own stamp, so what it
 * decodes is always one whole committed swap even if another swap lands between the two reads.
 */
export class SnapshotKvStore<S> implements SnapshotStore<S> {
  readonly #ctx: StoreContext;
  readonly #domain: string;
  readonly #codec: Codec<S>;

  constructor(ctx: StoreContext, domain: string, codec?: Codec<S>) {
    this.#ctx = ctx;
    this.#domain = domain;
    this.#codec = codec ?? (defaultCodec as Codec<S>);
  }

  put(snapshot: S, opts?: SnapshotOptions): Promise<number> {
    return guard(async () => {
      if (opts !== undefined && !isPlainObject(opts)) throw new StoreError('INVALID_VALUE', 'snapshot opts must be a plain object');
      const d = await this.#ctx.resolve(this.#domain);
      const body = this.#codec.encode(snapshot);
      const optsBytes = opts === undefined ? new Uint8Array(0) : defaultCodec.encode(opts);
      const size = body.byteLength + optsBytes.byteLength;
      const max = d.options.maxValueBytes;
      if (size > max) throw new StoreError('VALUE_TOO_LARGE', `snapshot is ${size} bytes encoded; the domain allows ${max}`);
      const stamp = newStamp();
      const record = encodeRecord(stamp, optsBytes, body);
      return this.#write(d, (tx) => {
        const epoch = epochOf(tx.get(EPOCH_KEY)) + 1;
        setEpoch(stamp, epoch);
        setEpoch(record, epoch);
        tx.put(EPOCH_KEY, stamp);
        tx.put(SNAPSHOT_KEY, record);
        return epoch;
      });
    });
  }

  get(): Promise<Snapshot<S> | undefined> {
    return guard(async () => {
      const d = await this.#readable();
      const cache = this.#ctx.state(d.backend, 'snapshots', () => new SnapshotCache());
      const codec = this.#codec as Codec<unknown>;
      for (;;) {
        const stamp = await d.backend.get(EPOCH_KEY);
        if (stamp === undefined) return undefined;
        const hit = cache.lookup(codec, stamp);
        if (hit !== MISS) return hit as Snapshot<S> | undefined;
        if (cache.loading === undefined) {
          const loading = this.#load(d, cache, stamp);
          cache.loading = loading;
          try {
            return await loading;
          } finally {
            if (cache.loading === loading) cache.loading = undefined;
          }
        }
        // Another reader is decoding: wait for it, then look again (its result is usually ours).
        await cache.loading.catch(() => undefined);
      }
    });
  }

  epoch(): Promise<number> {
    return guard(async () => {
      const d = await this.#readable();
      return epochOf(await d.backend.get(EPOCH_KEY));
    });
  }

  clear(): Promise<number> {
    return guard(async () => {
      const d = await this.#ctx.resolve(this.#domain);
      const stamp = newStamp();
      return this.#write(d, (tx) => {
        const epoch = epochOf(tx.get(EPOCH_KEY)) + 1;
        setEpoch(stamp, epoch);
        tx.put(EPOCH_KEY, stamp);
        tx.del(SNAPSHOT_KEY);
        return epoch;
      });
    });
  }

  /** Reads and decodes the snapshot record, caching the frozen result under the record's own stamp. */
  async #load(d: OpenDomain, cache: SnapshotCache, polled: Uint8Array): Promise<Snapshot<S> | undefined> {
    const codec = this.#codec as Codec<unknown>;
    const bytes = await d.backend.get(SNAPSHOT_KEY);
    if (bytes === undefined) {
      // Cleared (at the polled epoch or later): stamps are never reused, so caching it is safe.
      cache.store(codec, polled, undefined);
      return undefined;
    }
    const { stamp, opts, snapshot } = decodeRecord(bytes);
    const value: Snapshot<S> = deepFreeze({
      snapshot: this.#codec.decode(snapshot),
      epoch: epochOf(stamp),
      opts: opts.byteLength === 0 ? NO_OPTS : (defaultCodec.decode(opts) as SnapshotOptions),
    });
    cache.store(codec, stamp, value);
    return value;
  }

  #readable(): Promise<OpenDomain> {
    return this.#ctx.readable(this.#domain, 'snapshots');
  }

  #write<T>(d: OpenDomain, fn: (tx: Tx) => T): Promise<T> {
    return this.#ctx.write(d, 'snapshots', fn);
  }
}

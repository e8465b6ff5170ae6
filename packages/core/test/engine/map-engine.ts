import { compareBytes } from '../../src/keys/bytes.js';
import type { Durability } from '../../src/spi/adapter.js';
import type { ByteRange, Bytes } from '../../src/spi/backend.js';
import { inByteRange, keyId } from '../../src/spi/engine/byte-keys.js';
import type { BufferedWrite, EnginePhase, ErrorVerdict, FetchedValue, TxEngine } from '../../src/spi/engine/tx-engine.js';

/** How a test engine behaves: the three shapes real engines take. */
export interface MapEngineShape {
  /** SQLite/LMDB: synchronous, reads see the transaction's writes. */
  readonly sync: boolean;
  /** false: writes land only at commit (LevelDB batch, Redis MULTI). */
  readonly readsOwnWrites: boolean;
  /** 'sync': get/range; 'fetch': fetch/fetchRange only (PostgreSQL); 'mixed': get sync, ranges fetched (LevelDB). */
  readonly reads: 'sync' | 'fetch' | 'mixed';
}

/** An error that tells the engine's `classify` what it is. */
export class EngineError extends Error {
  constructor(
    readonly verdict: ErrorVerdict,
    message = `engine error (${verdict})`,
  ) {
    super(message);
  }
}

type Txn = { readonly pending: Map<string, Map<string, BufferedWrite>> };

/**
 * An in-memory `TxEngine` over sorted maps, one per domain (domains named by string). Counts what
 * the queue asks of it, and fails on demand (`failNext`), so tests can watch the protocol.
 */
export class MapEngine implements TxEngine<string, Txn> {
  readonly sync: boolean;
  readonly readsOwnWrites: boolean;
  readonly get?: TxEngine<string, Txn>['get'];
  readonly range?: TxEngine<string, Txn>['range'];
  readonly fetch?: TxEngine<string, Txn>['fetch'];
  readonly fetchRange?: TxEngine<string, Txn>['fetchRange'];
  readonly data = new Map<string, Map<string, [Bytes, Bytes]>>();
  /** The durability of each transaction begun. */
  readonly begun: Durability[] = [];
  /** Physical commits that succeeded. */
  commits = 0;
  /** Point and range fetches made. */
  fetches = 0;
  /** Errors `transaction` throws before running the body, one per attempt, first first. */
  readonly failBegin: unknown[] = [];
  /** Keys whose write throws this error. */
  readonly failWrite = new Map<string, unknown>();
  /** Errors `repair` was called with. */
  readonly repaired: unknown[] = [];
  /** Set to make `durable` wait for it. */
  durableGate: Promise<void> | undefined;
  durable?: () => Promise<void>;

  constructor(shape: MapEngineShape) {
    this.sync = shape.sync;
    this.readsOwnWrites = shape.readsOwnWrites;
    if (shape.reads !== 'fetch') this.get = (txn, domain, key) => this.#view(txn, domain).get(keyId(key))?.[1];
    if (shape.reads === 'sync') this.range = (txn, domain, range) => this.#range(txn, domain, range);
    if (shape.reads === 'fetch') this.fetch = async (txn, domain, key) => this.#fetch(txn, domain, key);
    if (shape.reads !== 'sync') {
      this.fetchRange = async (txn, domain, range) => {
        this.fetches++;
        await Promise.resolve();
        return this.#range(txn, domain, range);
      };
    }
  }

  /** Makes strict jobs wait for `durable()`, counting the calls. */
  withDurable(): { calls: number; release(): void } {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const counter = { calls: 0, release };
    this.durable = () => {
      counter.calls++;
      return gate;
    };
    return counter;
  }

  transaction(durability: Durability, body: (txn: Txn) => void | Promise<void>): void | Promise<void> {
    this.begun.push(durability);
    const txn: Txn = { pending: new Map() };
    const failure = this.failBegin.shift();
    if (this.sync) {
      if (failure !== undefined) throw failure;
      const done = body(txn);
      if (done instanceof Promise) throw new Error('sync body returned a promise');
      this.#commit(txn);
      return;
    }
    return (async () => {
      await Promise.resolve();
      if (failure !== undefined) throw failure;
      await body(txn);
      this.#commit(txn);
    })();
  }

  write(txn: Txn, domain: string, writes: readonly BufferedWrite[]): void {
    let pending = txn.pending.get(domain);
    if (pending === undefined) {
      pending = new Map();
      txn.pending.set(domain, pending);
    }
    for (const write of writes) {
      const failure = this.failWrite.get(keyId(write.key));
      if (failure !== undefined) throw failure;
      pending.set(keyId(write.key), write);
    }
  }

  classify(error: unknown, _phase: EnginePhase): ErrorVerdict {
    return error instanceof EngineError ? error.verdict : 'job';
  }

  async repair(error: unknown): Promise<void> {
    this.repaired.push(error);
  }

  translate(error: unknown, doing: string): unknown {
    return error instanceof EngineError ? new Error(`${doing}: ${error.message}`, { cause: error }) : error;
  }

  /** Stores `entries` in `domain` directly (test setup). */
  seed(domain: string, entries: Array<[Bytes, Bytes]>): void {
    const map = this.#domain(domain);
    for (const [k, v] of entries) map.set(keyId(k), [k, v]);
  }

  #commit(txn: Txn): void {
    for (const [domain, writes] of txn.pending) {
      const map = this.#domain(domain);
      for (const [id, write] of writes) {
        if (write.value === undefined) map.delete(id);
        else map.set(id, [write.key, write.value]);
      }
    }
    this.commits++;
  }

  #domain(domain: string): Map<string, [Bytes, Bytes]> {
    let map = this.data.get(domain);
    if (map === undefined) {
      map = new Map();
      this.data.set(domain, map);
    }
    return map;
  }

  /** Committed state, with the transaction's writes when the engine's reads see them. */
  #view(txn: Txn, domain: string): Map<string, [Bytes, Bytes]> {
    const view = new Map(this.#domain(domain));
    if (this.readsOwnWrites) {
      for (const [id, write] of txn.pending.get(domain) ?? []) {
        if (write.value === undefined) view.delete(id);
        else view.set(id, [write.key, write.value]);
      }
    }
    return view;
  }

  #range(txn: Txn, domain: string, range: ByteRange): Array<[Bytes, Bytes]> {
    const direction = range.reverse === true ? -1 : 1;
    const rows = [...this.#view(txn, domain).values()].filter(([k]) => inByteRange(k, range));
    rows.sort((a, b) => compareBytes(a[0], b[0]) * direction);
    return range.limit === undefined ? rows : rows.slice(0, range.limit);
  }

  async #fetch(txn: Txn, domain: string, key: Bytes): Promise<FetchedValue> {
    this.fetches++;
    await Promise.resolve();
    const view = this.#view(txn, domain);
    const value = view.get(keyId(key))?.[1];
    if (value !== undefined) return { value };
    const keys = [...view.values()].map(([k]) => k).sort(compareBytes);
    const after = keys.filter((k) => compareBytes(k, key) < 0).at(-1);
    const before = keys.find((k) => compareBytes(k, key) > 0);
    return { value: undefined, gap: { after, before } };
  }
}

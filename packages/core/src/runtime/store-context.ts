import { StoreError } from '../errors.js';
import type { DomainBackend, TransactOptions, Tx } from '../spi/backend.js';
import type { DomainKind } from '../types.js';
import type { BackendPool, OpenDomain } from './backend-pool.js';
import { KindRegistry } from './kinds.js';
import { OpStats } from './op-stats.js';
import type { Router } from './router.js';
import type { Telemetry } from './telemetry.js';

/** A closable piece of per-domain state (buffered counters) that must be flushed before close. */
export interface Flushable {
  flush(): Promise<void>;
  /** Stops timers; called once the store has closed. */
  stop?(): void;
}

/** What every domain handle shares: routing, opened backends, kind records, per-backend state. */
export class StoreContext {
  readonly router: Router;
  readonly pool: BackendPool;
  readonly kinds = new KindRegistry();
  /** Operation counts and latency per domain since the store opened. */
  readonly ops = new OpStats();
  /** The OpenTelemetry bridge, when `@opentelemetry/api` is installed. */
  readonly telemetry: Telemetry | undefined;
  readonly #state = new Map<DomainBackend, Map<string, unknown>>();
  #closed = false;

  constructor(router: Router, pool: BackendPool, telemetry?: Telemetry) {
    this.router = router;
    this.pool = pool;
    this.telemetry = telemetry;
  }

  /** Whether `close()` has begun. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Marks the store closed; every later call rejects with `CLOSED`. */
  markClosed(): void {
    this.#closed = true;
  }

  /** Throws `CLOSED` once the store is closed. */
  assertOpen(): void {
    if (this.#closed) throw new StoreError('CLOSED', 'the store is closed');
  }

  /**
   * Changes whenever `resolve` or `kinds.isKnown` may answer differently for some domain (a route set
   * or dropped, an opened domain forgotten, a kind recorded or forgotten): while it is unchanged, a
   * handle may reuse the opened domain it resolved (it still calls `assertOpen`).
   */
  get routing(): number {
    return this.router.version + this.pool.version + this.kinds.version;
  }

  /** The domain opened on its current route; synchronous once opened. */
  resolve(domain: string): OpenDomain | Promise<OpenDomain> {
    this.assertOpen();
    const route = this.router.route(domain);
    return this.pool.peek(domain, route) ?? this.pool.open(domain, route);
  }

  /** The domain on its route, rejecting `WRONG_KIND` (and `MOVED`) when it holds another kind. */
  async readable(domain: string, kind: DomainKind): Promise<OpenDomain> {
    const d = await this.resolve(domain);
    await this.kinds.checkRead(d.backend, d.domain, kind);
    return d;
  }

  /**
   * Runs `fn` in one transaction of `d`, recording `kind` with the domain's first write. `blind`
   * (see `TransactOptions`) holds only once the kind is known: the first write reads the kind record.
   */
  write<T>(d: OpenDomain, kind: DomainKind, fn: (tx: Tx) => T, options?: TransactOptions): Promise<T> {
    // The usual case, a domain whose kind is recorded: the backend's promise itself, no await around it.
    if (this.kinds.isKnown(d.backend, kind))
      return d.backend.transact((tx) => {
        this.kinds.checkWrite(tx, d.backend, d.domain, kind);
        return fn(tx);
      }, options);
    return this.#firstWrite(d, kind, fn, options);
  }

  /** A write to a domain whose kind is not known yet: it reads the kind record, and records the kind once committed. */
  async #firstWrite<T>(d: OpenDomain, kind: DomainKind, fn: (tx: Tx) => T, options?: TransactOptions): Promise<T> {
    const blind = options?.blind === true && this.kinds.isKnown(d.backend, kind);
    const result = await d.backend.transact(
      (tx) => {
        this.kinds.checkWrite(tx, d.backend, d.domain, kind);
        return fn(tx);
      },
      blind ? options : undefined,
    );
    if (!this.kinds.isKnown(d.backend, kind)) this.pool.recorder?.kind(d.domain, d.route, kind);
    this.kinds.confirm(d.backend, kind);
    return result;
  }

  /** Per-backend state of one sort (e.g. buffered counters), created on first use. */
  /** The state `sort` of `backend` if `state` made it already (no factory to allocate on a hot path). */
  existingState<T>(backend: DomainBackend, sort: string): T | undefined {
    return this.#state.get(backend)?.get(sort) as T | undefined;
  }

  state<T>(backend: DomainBackend, sort: string, create: () => T): T {
    let byKind = this.#state.get(backend);
    if (!byKind) {
      byKind = new Map();
      this.#state.set(backend, byKind);
    }
    let value = byKind.get(sort) as T | undefined;
    if (value === undefined) {
      value = create();
      byKind.set(sort, value);
    }
    return value;
  }

  /** Flushes every piece of per-backend state that can be flushed (for sync and close). */
  async flushState(backend?: DomainBackend): Promise<void> {
    const targets = backend ? [this.#state.get(backend)] : [...this.#state.values()];
    for (const byKind of targets) {
      for (const value of byKind?.values() ?? []) {
        const flushable = value as Partial<Flushable>;
        if (typeof flushable.flush === 'function') await flushable.flush();
      }
    }
  }

  /** Stops the timers of every piece of state (the store is closing), or of one backend's. */
  stopState(backend?: DomainBackend): void {
    const targets = backend ? [this.#state.get(backend) ?? new Map<string, unknown>()] : this.#state.values();
    for (const byKind of targets) {
      for (const value of byKind.values()) (value as Partial<Flushable>).stop?.();
    }
  }

  /** Forgets the state of a backend (after its domain was dropped), stopping its timers first. */
  forgetState(backend: DomainBackend): void {
    // A timer left running would flush into the dropped domain and write it back.
    this.stopState(backend);
    this.#state.delete(backend);
  }
}

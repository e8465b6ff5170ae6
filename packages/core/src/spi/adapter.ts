import type { ZodType } from 'zod';
import type { DomainBackend } from './backend.js';

/** How hard a domain's writes are made durable (SPEC §7). */
export type Durability = 'strict' | 'balanced' | 'fast';

/** Options core validates for every domain, whatever its adapter. */
export interface CommonDomainOptions {
  /** `'balanced'` by default: survives the process being killed. */
  readonly durability: Durability;
  /** `'durable'` by default: one transaction per counter update. */
  readonly counters: 'durable' | 'buffered';
  /** Flush period of buffered counters, in milliseconds. */
  readonly counterFlushMs: number;
  /** `fast` only: longest time, in ms, an acknowledged write waits before its batch commits (core fills 10). */
  readonly fastWindowMs?: number;
  /** `fast` only: queued writes (calls) that make the batch commit at once (core fills 1000). */
  readonly fastMaxBatch?: number;
  /** Largest encoded value accepted, in bytes. */
  readonly maxValueBytes: number;
  /** kv: default time-to-live of a write, in milliseconds (none: records never expire). */
  readonly ttlMs?: number;
  /** kv: a read of a record with a TTL pushes its expiry out by its TTL again. */
  readonly refreshOnRead?: boolean;
  /** kv: period of the background sweep of expired records, in milliseconds (default 60,000). */
  readonly ttlSweepMs?: number;
  /** journal and checkpoints: `store.prune()` removes what is older than this many milliseconds. */
  readonly maxAge?: number;
}

/** What a backend declares it can do; the conformance suite skips by these, never by name. */
export interface Capabilities {
  /** Several processes may open the same dataDir and stay exact. */
  readonly multiProcess: boolean;
  /** Data survives closing and reopening the store. */
  readonly persistent: boolean;
  /**
   * `updateCounters` and `clear` honour their `WriteGuard` (`transact` always can: core reads the
   * guard in the transaction). Core uses native counters only then, and migrates a domain away from
   * an adapter only then: one that ignored the guard could write to a location after it has moved.
   */
  readonly guardedWrites?: boolean;
}

/** Which engine build an adapter instance runs in this process (`AdapterInstance.engine`). */
export interface EngineInfo {
  /** One line: the build loaded and, when it limits the adapter, why and how to fix it. */
  readonly build: string;
  /** Whether this build lets several processes share the adapter's files (see `Capabilities`). */
  readonly multiProcess: boolean;
}

/** What core hands an adapter when a store opens it. */
export interface OpenContext {
  /** Absolute store directory; every file the adapter makes stays below it. */
  readonly dataDir: string;
  /**
   * Open for reading only (`openStore(dataDir, { readOnly: true })`, the CLI's read commands): create
   * no file, directory, table or domain and run no DDL; `domain()` rejects with `NOT_FOUND` for a
   * domain that has no storage, and `listDomains()` lists what exists without creating anything.
   */
  readonly readOnly?: boolean;
}

/**
 * What an adapter's `domain()` receives: the common options plus its own as its schema's output
 * (parsed once, by core: defaults filled), frozen.
 */
export type DomainOptions<O> = Readonly<CommonDomainOptions & O>;

/** An opened adapter: one per store and adapter, shared by every domain routed to it. */
export interface AdapterInstance<O = unknown> {
  /** Opens (creating if needed) the storage of `domain`. Called once per domain and option set. */
  domain(domain: string, options: DomainOptions<O>): Promise<DomainBackend>;
  /** Removes the domain's storage entirely. */
  dropDomain(domain: string, options: DomainOptions<O>): Promise<void>;
  /** Names of the domains that have storage here (for stats and admin tools). */
  listDomains(): Promise<string[]>;
  /** Makes every acknowledged write durable, whatever each domain's durability. */
  sync(): Promise<void>;
  /** Releases files and handles; idempotent. */
  close(): Promise<void>;
  /**
   * Optional: writes a consistent copy of every location this instance holds (its default one
   * included when it exists) under `targetDir`, at the same paths relative to dataDir, while writers
   * go on; `targetDir` is then a data directory of its own. Never a raw copy of live files.
   */
  backup?(targetDir: string): Promise<void>;
  /** Optional: the engine's own integrity check of every location this instance holds; the faults found. */
  check?(): Promise<string[]>;
  /** Optional: the engine build this process runs, shown by `store.stats()` and `agentstore doctor`. */
  engine?(): EngineInfo;
}

/**
 * An adapter: a plain object registered with `createStore({ adapters })`. `Input` is what a route's
 * `options` may hold for it (its schema's input), `Options` what its `domain()` receives (the schema's
 * output). `Adapter` with no arguments is any adapter, as `createStore` takes them.
 */
export interface Adapter<Input = unknown, Options = Input> {
  /** The name routes refer to (`'sqlite'`, `'lmdb'`, …). */
  readonly name: string;
  /**
   * Schema of the adapter's own domain options; strict (unknown keys rejected), defaults filled.
   * Core parses a route's options with it once; the adapter never parses them again.
   */
  readonly optionsSchema: ZodType<Options, Input>;
  /** What the backend can do. */
  readonly capabilities: Capabilities;
  /** Opens the adapter for one store. */
  open(ctx: OpenContext): Promise<AdapterInstance<Options>>;
  /**
   * Optional: throws a StoreError when the adapter cannot work in this process (its native addon
   * missing or unbuilt: see `nativeBindingError`). `createStore` calls it for every adapter a route
   * names, so such a failure comes from opening the store, not from the first write.
   */
  preflight?(): void;
}

import { ENTRY_RANGE as ARTIFACT_RANGE } from '../artifacts/artifact-layout.js';
import { ArtifactKvStore } from '../artifacts/artifact-store.js';
import type { ArtifactStore, ArtifactsPolicy } from '../artifacts/types.js';
import { RECORD_RANGE } from '../checkpoints/checkpoint-layout.js';
import { CheckpointStore } from '../checkpoints/checkpoint-store.js';
import { normalizeRoute } from '../config/normalize-route.js';
import { ENTRY_RANGE } from '../journal/journal-layout.js';
import { JournalStore } from '../journal/journal-store.js';
import type { Journal, JournalOptions } from '../journal/types.js';
import { rangeToBytes } from '../keys/index.js';
import { KvStore } from '../kv/kv-store.js';
import { type PruneOptions, type PruneReport, pruneStore } from '../retention/prune-store.js';
import { SNAPSHOT_RANGE } from '../snapshots/snapshot-layout.js';
import { SnapshotKvStore } from '../snapshots/snapshot-store.js';
import type { SnapshotStore, SnapshotsOptions } from '../snapshots/types.js';
import type { ByteRange } from '../spi/backend.js';
import type { BlobCheckpointStore, DomainKind, DomainStats, DomainStore } from '../types.js';
import type { VectorMetadata, VectorStore, VectorsOptions } from '../vectors/types.js';
import { ENTRY_RANGE as VECTOR_RANGE } from '../vectors/vectors-layout.js';
import { VectorKvStore } from '../vectors/vectors-store.js';
import type { VersionedOptions, VersionedStore } from '../versioned/types.js';
import { VERSION_RANGE } from '../versioned/versioned-layout.js';
import { VersionedKvStore } from '../versioned/versioned-store.js';
import type { OpenDomain } from './backend-pool.js';
import { asyncDispose } from './dispose.js';
import { MOVED_KEY } from './migration-guard.js';
import { observeHandle, runObserved, storeScope } from './observe.js';
import type { StoreContext } from './store-context.js';
import { toStoreError } from './to-store-error.js';
import type { KvOptions, MigrateOptions, MigrationReport, NormalizedRoute, RouteConfig, Store } from './types.js';

/** Which stored entries count as records, per kind. */
const RECORDS_OF: Partial<Record<DomainKind, ByteRange>> = {
  kv: rangeToBytes(undefined),
  checkpoints: RECORD_RANGE,
  journal: ENTRY_RANGE,
  versioned: VERSION_RANGE,
  snapshots: SNAPSHOT_RANGE,
  artifacts: ARTIFACT_RANGE,
  vectors: VECTOR_RANGE,
};

/**
 * Moves a domain to another route (`store.migrateDomain`); the migrate layer provides it, so the
 * runtime does not depend on it.
 */
export type Migrator = (ctx: StoreContext, domain: string, to: RouteConfig, options?: MigrateOptions) => Promise<MigrationReport>;

/** A store method's body: `CLOSED` once closed, and errors as `StoreError`. */
async function runStoreMethod<T>(this: StoreContext, fn: () => Promise<T>): Promise<T> {
  try {
    this.assertOpen();
    return await fn();
  } catch (err) {
    throw toStoreError(err);
  }
}

/** Closing: every later call is `CLOSED`, buffered state is flushed, then every adapter closes. */
async function closeContext(ctx: StoreContext): Promise<void> {
  ctx.markClosed();
  try {
    await ctx.flushState();
  } finally {
    ctx.stopState();
    await ctx.pool.closeAll();
  }
}

/** The store implementation behind `createStore`. */
export class AgentStore implements Store {
  readonly dataDir: string;
  readonly #ctx: StoreContext;
  readonly #migrate: Migrator;
  #closing: Promise<void> | undefined;

  constructor(dataDir: string, ctx: StoreContext, migrate: Migrator) {
    this.dataDir = dataDir;
    this.#ctx = ctx;
    this.#migrate = migrate;
  }

  /** The context of a store made by `createStore` (for the admin API), or undefined for any other object. */
  static contextOf(store: unknown): StoreContext | undefined {
    return typeof store === 'object' && store !== null && #ctx in store ? store.#ctx : undefined;
  }

  kv<V = unknown>(domain: string, options?: KvOptions<V>): DomainStore<V> {
    return observeHandle(this.#ctx, 'kv', domain, new KvStore<V>(this.#ctx, domain, options?.codec));
  }

  checkpoints(domain: string): BlobCheckpointStore {
    return observeHandle(this.#ctx, 'checkpoints', domain, new CheckpointStore(this.#ctx, domain));
  }

  journal<V = unknown>(domain: string, options?: JournalOptions<V>): Journal<V> {
    return observeHandle(this.#ctx, 'journal', domain, new JournalStore<V>(this.#ctx, domain, options?.codec));
  }

  versioned<V = unknown>(domain: string, options?: VersionedOptions<V>): VersionedStore<V> {
    return observeHandle(this.#ctx, 'versioned', domain, new VersionedKvStore<V>(this.#ctx, domain, options?.codec));
  }

  snapshots<S = unknown>(domain: string, options?: SnapshotsOptions<S>): SnapshotStore<S> {
    return observeHandle(this.#ctx, 'snapshots', domain, new SnapshotKvStore<S>(this.#ctx, domain, options?.codec));
  }

  artifacts(domain: string, policy?: ArtifactsPolicy): ArtifactStore {
    return observeHandle(this.#ctx, 'artifacts', domain, new ArtifactKvStore(this.#ctx, domain, policy));
  }

  vectors<M extends VectorMetadata = VectorMetadata>(domain: string, options: VectorsOptions): VectorStore<M> {
    return observeHandle(this.#ctx, 'vectors', domain, new VectorKvStore<M>(this.#ctx, domain, options));
  }

  async configureDomain(domain: string, route: RouteConfig): Promise<void> {
    await this.#run('configureDomain', domain, async () => {
      const next = this.#ctx.router.configure(domain, route);
      await this.#flushPrevious(domain, next);
    });
  }

  migrateDomain(domain: string, to: RouteConfig, options?: MigrateOptions): Promise<MigrationReport> {
    return this.#run('migrateDomain', domain, () => this.#migrate(this.#ctx, domain, to, options));
  }

  domainConfig(domain: string): { adapter: string; options: Record<string, unknown> } {
    this.#ctx.assertOpen();
    const route = this.#ctx.router.route(domain);
    return { adapter: route.adapter, options: { ...route.options } };
  }

  async resetDomain(domain: string): Promise<void> {
    await this.#run('resetDomain', domain, async () => {
      await this.#flushOpened(domain);
      this.#ctx.router.reset(domain);
    });
  }

  async clearConfig(): Promise<void> {
    await this.#run('clearConfig', undefined, async () => {
      await this.#ctx.flushState();
      this.#ctx.router.clear();
    });
  }

  adapterOf(domain: string): string {
    this.#ctx.assertOpen();
    return this.#ctx.router.route(domain).adapter;
  }

  async dropDomain(domain: string): Promise<void> {
    await this.#run('dropDomain', domain, async () => {
      const d = await this.#ctx.resolve(domain);
      // A tombstone stays until the domain is migrated back: a stale process must keep getting MOVED.
      await this.#ctx.kinds.assertNotMoved(d.backend, domain);
      this.#ctx.stopState(d.backend); // timers (buffered counters, TTL sweep) of the dropped domain
      this.#ctx.forgetState(d.backend);
      this.#ctx.kinds.forget(d.backend);
      const instance = await this.#ctx.pool.instance(d.route.adapter);
      await instance.dropDomain(domain, d.options);
      this.#ctx.pool.forget(domain);
      this.#ctx.pool.recorder?.dropped(domain);
    });
  }

  async sync(domain?: string): Promise<void> {
    await this.#run('sync', domain, async () => {
      if (domain === undefined) {
        await this.#ctx.flushState();
        await this.#ctx.pool.syncAll();
        return;
      }
      const route = this.#ctx.router.route(domain); // INVALID_DOMAIN for a bad name
      await this.#flushOpened(domain);
      // An adapter syncs all it holds (no SPI call syncs one domain); one this store never opened
      // has nothing of this process to make durable, and is not opened just to be synced.
      const adapters = new Set(this.#ctx.pool.opened().flatMap((o) => (o.domain === domain ? [o.route.adapter] : [])));
      if (this.#ctx.pool.openedAdapters().includes(route.adapter)) adapters.add(route.adapter);
      for (const name of adapters) await (await this.#ctx.pool.instance(name)).sync();
    });
  }

  async closeDomain(domain: string): Promise<void> {
    await this.#run('closeDomain', domain, async () => {
      this.#ctx.router.route(domain); // INVALID_DOMAIN for a bad name
      const opened = this.#ctx.pool.opened().filter((o) => o.domain === domain);
      for (const o of opened) await this.#ctx.flushState(o.backend);
      for (const name of new Set(opened.map((o) => o.route.adapter))) await (await this.#ctx.pool.instance(name)).sync();
      for (const o of opened) {
        this.#ctx.stopState(o.backend);
        this.#ctx.forgetState(o.backend);
        this.#ctx.kinds.forget(o.backend);
      }
      this.#ctx.pool.forget(domain);
    });
  }

  prune(options?: PruneOptions): Promise<PruneReport> {
    return this.#run('prune', undefined, () => pruneStore(this.#ctx, options));
  }

  async stats(): Promise<DomainStats[]> {
    return this.#run('stats', undefined, async () => {
      const { router, pool, kinds } = this.#ctx;
      // A read-only store routes the manifest's domains: open those that exist, so that an adapter
      // holding domains in several locations (a sqlite `path`, an lmdb `path`) lists them all.
      if (pool.readOnly)
        for (const domain of router.configuredDomains()) await pool.open(domain, router.route(domain)).catch(() => undefined);
      const adapters = new Set([...router.routedAdapters(), ...pool.openedAdapters()]);
      const out: DomainStats[] = [];
      for (const name of [...adapters].sort()) {
        const instance = await pool.instance(name);
        for (const domain of await instance.listDomains()) {
          const d = await pool.open(domain, this.#routeOn(domain, name));
          // Only a migration's tombstone is left, or a migration is copying into it.
          if ((await d.backend.raw.get(MOVED_KEY)) !== undefined) continue;
          const kind = await kinds.read(d.backend);
          const records = kind && RECORDS_OF[kind] ? await d.backend.count(RECORDS_OF[kind]) : 0;
          const bytes = d.backend.sizeBytes ? await d.backend.sizeBytes() : undefined;
          const engine = instance.engine?.().build;
          const operations = this.#ctx.ops.snapshot(domain);
          out.push({
            domain,
            adapter: name,
            kind,
            records,
            bytes,
            ...(engine !== undefined && { engine }),
            ...(operations && { operations }),
          });
        }
      }
      return out;
    });
  }

  close(): Promise<void> {
    this.#closing ??= runObserved(storeScope(this.#ctx), 'close', closeContext, undefined, [this.#ctx]);
    return this.#closing;
  }

  /** Closes the store at the end of an `await using` block. */
  [asyncDispose](): Promise<void> {
    return this.close();
  }

  /** The route that reads `domain` on adapter `name`: its own route when it is routed there. */
  #routeOn(domain: string, name: string): NormalizedRoute {
    const current = this.#ctx.router.route(domain);
    return current.adapter === name ? current : normalizeRoute({ adapter: name }, this.#ctx.router.adapters);
  }

  async #flushPrevious(domain: string, next: NormalizedRoute): Promise<void> {
    for (const opened of this.#ctx.pool.opened()) {
      if (opened.domain === domain && opened.route !== next) await this.#ctx.flushState(opened.backend);
    }
  }

  async #flushOpened(domain: string): Promise<void> {
    const opened: OpenDomain[] = this.#ctx.pool.opened().filter((o) => o.domain === domain);
    for (const o of opened) await this.#ctx.flushState(o.backend);
  }

  /** Every store method's wrapper: `CLOSED` once closed, errors as `StoreError`, observed as `name`. */
  #run<T>(name: string, domain: string | undefined, fn: () => Promise<T>): Promise<T> {
    return runObserved(storeScope(this.#ctx, domain), name, runStoreMethod<T>, this.#ctx, [fn]);
  }
}

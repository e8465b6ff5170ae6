import type { ManifestRecorder } from '../manifest/manifest-recorder.js';
import { readOnlyBackend } from '../manifest/read-only-backend.js';
import type { AdapterInstance, DomainOptions } from '../spi/adapter.js';
import { GatedBackend } from './gated-backend.js';
import type { Router } from './router.js';
import { toStoreError } from './to-store-error.js';
import type { NormalizedRoute } from './types.js';

/** A domain opened on its route: what every handle call works with. */
export interface OpenDomain {
  readonly domain: string;
  readonly route: NormalizedRoute;
  /** The adapter's backend behind the migration guard. */
  readonly backend: GatedBackend;
  readonly options: DomainOptions<Record<string, unknown>>;
}

/** How a pool opens: read-only (nothing created, every write refused), or recording routes in the manifest. */
export interface PoolMode {
  readonly readOnly?: boolean;
  readonly recorder?: ManifestRecorder;
}

/**
 * Opens adapters lazily (once per store) and domains once per route, keeping the opened ones at hand
 * synchronously so the hot path (every get/put) does no lookup work beyond two map reads.
 */
export class BackendPool {
  readonly #router: Router;
  readonly #dataDir: string;
  readonly #mode: PoolMode;
  readonly #instances = new Map<string, Promise<AdapterInstance>>();
  readonly #opening = new Map<string, Promise<OpenDomain>>();
  readonly #open = new Map<string, OpenDomain>();
  readonly #routeKeys = new WeakMap<NormalizedRoute, string>();
  // Opened domains by route object, then domain: the hot path's lookup, with no string building.
  #byRoute = new WeakMap<NormalizedRoute, Map<string, OpenDomain>>();
  #version = 0;

  constructor(router: Router, dataDir: string, mode: PoolMode = {}) {
    this.#router = router;
    this.#dataDir = dataDir;
    this.#mode = mode;
  }

  /** Whether this pool opens read-only. */
  get readOnly(): boolean {
    return this.#mode.readOnly === true;
  }

  /** The manifest recorder, when this pool records routes. */
  get recorder(): ManifestRecorder | undefined {
    return this.#mode.recorder;
  }

  /** The store's data directory, as given (absolute). */
  get dataDir(): string {
    return this.#dataDir;
  }

  /** Changes whenever an opened domain is forgotten, so `peek` may answer differently (never for an open). */
  get version(): number {
    return this.#version;
  }

  /** The opened domain for `route`, or undefined when it has not been opened yet. */
  peek(domain: string, route: NormalizedRoute): OpenDomain | undefined {
    const fast = this.#byRoute.get(route)?.get(domain);
    if (fast) return fast;
    const opened = this.#open.get(this.#key(domain, route));
    if (opened) this.#remember(route, opened);
    return opened;
  }

  /** Opens (once) the domain on `route`. */
  open(domain: string, route: NormalizedRoute): Promise<OpenDomain> {
    const key = this.#key(domain, route);
    let pending = this.#opening.get(key);
    if (!pending) {
      pending = this.#openDomain(domain, route).then(
        (opened) => {
          this.#open.set(key, opened);
          this.#remember(route, opened);
          return opened;
        },
        (err: unknown) => {
          this.#opening.delete(key); // a failed open (LOCKED, IO) may succeed later
          throw toStoreError(err);
        },
      );
      this.#opening.set(key, pending);
    }
    return pending;
  }

  /** The adapter instance of `name`, opened on first use. */
  instance(name: string): Promise<AdapterInstance> {
    let pending = this.#instances.get(name);
    if (!pending) {
      const adapter = this.#router.adapters.get(name);
      if (!adapter) throw new Error(`adapter ${name} is not registered`);
      pending = adapter.open(this.readOnly ? { dataDir: this.#dataDir, readOnly: true } : { dataDir: this.#dataDir });
      pending.catch(() => this.#instances.delete(name));
      this.#instances.set(name, pending);
    }
    return pending;
  }

  /** Adapter names opened so far. */
  openedAdapters(): string[] {
    return [...this.#instances.keys()];
  }

  /** Forgets every opened domain of `domain` (after it was dropped). */
  forget(domain: string): void {
    for (const [key, opened] of this.#open) {
      if (opened.domain === domain) {
        this.#open.delete(key);
        this.#opening.delete(key);
      }
    }
    this.#byRoute = new WeakMap();
    this.#version++;
  }

  /** Forgets `domain` opened on `route` only (after it moved away from there). */
  forgetRoute(domain: string, route: NormalizedRoute): void {
    const key = this.#key(domain, route);
    this.#open.delete(key);
    this.#opening.delete(key);
    this.#byRoute = new WeakMap();
    this.#version++;
  }

  /** Opened domains, for flushing and stats. */
  opened(): OpenDomain[] {
    return [...this.#open.values()];
  }

  /** Syncs every opened adapter. */
  async syncAll(): Promise<void> {
    for (const pending of this.#instances.values()) await (await pending).sync();
  }

  /** Closes every opened adapter instance; the first failure is rethrown after all were tried. */
  async closeAll(): Promise<void> {
    let failure: unknown;
    for (const pending of this.#instances.values()) {
      try {
        await (await pending).close();
      } catch (err) {
        failure ??= err;
      }
    }
    this.#instances.clear();
    this.#open.clear();
    this.#opening.clear();
    this.#byRoute = new WeakMap();
    this.#version++;
    if (failure !== undefined) throw toStoreError(failure);
  }

  async #openDomain(domain: string, route: NormalizedRoute): Promise<OpenDomain> {
    const instance = await this.instance(route.adapter);
    const options = route.options as DomainOptions<Record<string, unknown>>;
    const guarded = this.#router.adapters.get(route.adapter)?.capabilities.guardedWrites === true;
    const opened = await instance.domain(domain, options);
    if (this.readOnly) {
      return { domain, route, backend: new GatedBackend(readOnlyBackend(opened, domain), domain, guarded), options };
    }
    this.#mode.recorder?.opened(domain, route);
    const backend = new GatedBackend(opened, domain, guarded);
    return { domain, route, backend, options };
  }

  #remember(route: NormalizedRoute, opened: OpenDomain): void {
    let byDomain = this.#byRoute.get(route);
    if (!byDomain) {
      byDomain = new Map();
      this.#byRoute.set(route, byDomain);
    }
    byDomain.set(opened.domain, opened);
  }

  #key(domain: string, route: NormalizedRoute): string {
    let routeKey = this.#routeKeys.get(route);
    if (routeKey === undefined) {
      routeKey = `${route.adapter}\u0000${JSON.stringify(route.options)}`;
      this.#routeKeys.set(route, routeKey);
    }
    return `${domain}\u0000${routeKey}`;
  }
}

import { existsSync } from 'node:fs';
import { type AdapterInstance, DataDir, type DomainBackend, type DomainOptions, StoreError } from '@agentstore/core/spi';
import { backupLocation } from './backup.js';
import { clearDomain, LevelDomainBackend, syncLog } from './domain-backend.js';
import { recordedDomains, registerDomain } from './domain-names.js';
import { acquireLocation, type LocationLease, prepareLocation } from './location.js';
import { DEFAULT_LEVEL_OPTIONS, DEFAULT_LOCATION, type ResolvedLevelOptions } from './options.js';

const MIB = 1024 * 1024;

/** The level adapter opened for one store: holds a lease on each location its domains use. */
export class LevelAdapterInstance implements AdapterInstance<ResolvedLevelOptions> {
  readonly #dataDir: DataDir;
  /** Leases by real location path; a promise so concurrent `domain()` calls share one acquire. */
  readonly #leases = new Map<string, Promise<LocationLease>>();
  #closed = false;

  constructor(dataDir: string) {
    this.#dataDir = new DataDir(dataDir);
  }

  async domain(domain: string, options: DomainOptions<ResolvedLevelOptions>): Promise<DomainBackend> {
    this.#assertOpen();
    const lease = await this.#lease(options);
    await registerDomain(lease, domain);
    return new LevelDomainBackend(domain, lease, options.durability === 'strict', () => this.#closed);
  }

  async dropDomain(domain: string, options: DomainOptions<ResolvedLevelOptions>): Promise<void> {
    this.#assertOpen();
    const lease = await this.#lease(options);
    const strict = options.durability === 'strict';
    await lease.queue.exclusive((db) => clearDomain(db, domain, strict, true));
  }

  async listDomains(): Promise<string[]> {
    this.#assertOpen();
    // The default location is looked at even when no domain opened it yet, as long as it exists;
    // locations given by `path` are known only once a domain using them was opened (README).
    if (existsSync(this.#defaultLocation())) {
      await this.#lease(DEFAULT_LEVEL_OPTIONS);
    }
    const names = new Set<string>();
    for (const pending of this.#leases.values()) {
      for (const name of await recordedDomains(await pending)) names.add(name);
    }
    return [...names].sort();
  }

  async sync(): Promise<void> {
    this.#assertOpen();
    const leases = await Promise.all(this.#leases.values());
    await Promise.all(leases.map((lease) => lease.queue.exclusive(syncLog)));
  }

  async backup(targetDir: string): Promise<void> {
    this.#assertOpen();
    if (existsSync(this.#defaultLocation())) await this.#lease(DEFAULT_LEVEL_OPTIONS);
    // Locations exist, so dataDir does: its real path is what they were resolved below.
    const root = this.#dataDir.root() ?? this.#dataDir.path;
    for (const pending of this.#leases.values()) await backupLocation(await pending, root, targetDir);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const results = await Promise.allSettled([...this.#leases.values()].map(async (pending) => (await pending).release()));
    this.#leases.clear();
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    // A lease that never opened (e.g. LOCKED) has nothing to release; report only close failures.
    if (failure !== undefined && failure.reason instanceof StoreError && failure.reason.code === 'IO') throw failure.reason;
  }

  async #lease(options: ResolvedLevelOptions): Promise<LocationLease> {
    const path = prepareLocation(this.#dataDir, options.path);
    this.#assertOpen();
    let pending = this.#leases.get(path);
    if (pending === undefined) {
      const acquiring = acquireLocation(path, {
        cacheSize: Math.round(options.cacheSizeMb * MIB),
        writeBufferSize: Math.round(options.writeBufferSizeMb * MIB),
        compression: options.compression,
      });
      pending = acquiring;
      this.#leases.set(path, acquiring);
      // A failed open (LOCKED, IO) is not cached: the next call tries again.
      acquiring.catch(() => {
        if (this.#leases.get(path) === acquiring) this.#leases.delete(path);
      });
    }
    const lease = await pending;
    if (this.#closed) {
      // close() ran while we were acquiring; it released what it saw, so make sure this hold goes too.
      await lease.release();
      throw new StoreError('CLOSED', 'level: adapter instance is closed');
    }
    return lease;
  }

  /** The default location's path, checked by the path policy but not created. */
  #defaultLocation(): string {
    return this.#dataDir.resolve(DEFAULT_LOCATION, { kind: 'directory' });
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreError('CLOSED', 'level: adapter instance is closed');
  }
}

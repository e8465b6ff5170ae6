import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AdapterInstance,
  DataDir,
  type DomainBackend,
  type DomainOptions,
  PendingReadsBackend,
  StoreError,
  writeBehindOf,
} from '@agentstore/core/spi';
import { backupLocation } from './backup.js';
import { clearDomain, LevelDomainBackend, syncLog } from './domain-backend.js';
import { recordedDomains, registerDomain } from './domain-names.js';
import { acquireLocation, type LocationLease, prepareLocation } from './location.js';
import { lockHolders } from './lock-holders.js';
import { DEFAULT_LEVEL_OPTIONS, DEFAULT_LOCATION, type ResolvedLevelOptions } from './options.js';

const MIB = 1024 * 1024;

/** The level adapter opened for one store: holds a lease on each location its domains use. */
export class LevelAdapterInstance implements AdapterInstance<ResolvedLevelOptions> {
  readonly #dataDir: DataDir;
  /** Leases by real location path; a promise so concurrent `domain()` calls share one acquire. */
  readonly #leases = new Map<string, Promise<LocationLease>>();
  readonly #readOnly: boolean;
  /** Read-only: the temporary copies of locations this instance opened (removed on close). */
  readonly #copies: string[] = [];
  readonly #copyOf = new Map<string, string>();
  #closed = false;

  constructor(dataDir: string, readOnly = false) {
    this.#dataDir = new DataDir(dataDir);
    this.#readOnly = readOnly;
  }

  async domain(domain: string, options: DomainOptions<ResolvedLevelOptions>): Promise<DomainBackend> {
    this.#assertOpen();
    const lease = await this.#lease(options);
    if (this.#readOnly) {
      if (!(await recordedDomains(lease)).includes(domain)) throw new StoreError('NOT_FOUND', `level: no domain "${domain}"`);
      return new LevelDomainBackend(domain, lease, false, () => this.#closed);
    }
    await registerDomain(lease, domain);
    const behind = writeBehindOf(options);
    const backend = new LevelDomainBackend(domain, lease, options.durability === 'strict', () => this.#closed, behind);
    // A `fast` domain's reads overlay the writes acknowledged but not committed yet (SPEC §9.2).
    return behind === undefined ? backend : new PendingReadsBackend(backend, lease.queue, domain);
  }

  async dropDomain(domain: string, options: DomainOptions<ResolvedLevelOptions>): Promise<void> {
    if (this.#readOnly) throw new StoreError('UNSUPPORTED', 'level: opened read-only');
    this.#assertOpen();
    const lease = await this.#lease(options);
    const strict = options.durability === 'strict';
    await lease.queue.exclusive(() => clearDomain(lease.db, domain, strict, true));
  }

  async listDomains(): Promise<string[]> {
    this.#assertOpen();
    // The default location is looked at even when no domain opened it yet, as long as it exists;
    // locations given by `path` are known only once a domain using them was opened (README).
    if (existsSync(this.#defaultLocation()) && (!this.#readOnly || readdirSync(this.#defaultLocation()).length > 0)) {
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
    if (this.#readOnly) return; // nothing was written
    const leases = await Promise.all(this.#leases.values());
    await Promise.all(leases.map((lease) => lease.queue.exclusive(() => syncLog(lease.db))));
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
    // Write-behind batches commit before close resolves, even where another store holds the location.
    const lost = await flushLeases([...this.#leases.values()]);
    const results = await Promise.allSettled([...this.#leases.values()].map(async (pending) => (await pending).release()));
    this.#leases.clear();
    for (const copy of this.#copies.splice(0)) rmSync(copy, { recursive: true, force: true });
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    // A lease that never opened (e.g. LOCKED) has nothing to release; report only close failures.
    if (failure !== undefined && failure.reason instanceof StoreError && failure.reason.code === 'IO') throw failure.reason;
    if (lost !== undefined) throw lost;
  }

  async #lease(options: ResolvedLevelOptions): Promise<LocationLease> {
    const path = this.#readOnly ? this.#readOnlyCopy(options.path) : prepareLocation(this.#dataDir, options.path);
    this.#assertOpen();
    let pending = this.#leases.get(path);
    if (pending === undefined) {
      const acquiring = acquireLocation(path, {
        cacheSize: Math.round(options.cacheSizeMb * MIB),
        writeBufferSize: Math.round(options.writeBufferSizeMb * MIB),
        compression: options.compression,
      }).catch((err: unknown) => {
        throw this.#realPathsIn(err);
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

  /**
   * LevelDB cannot open a location without its lock and rewrites its LOG and MANIFEST files when it
   * opens, so a read-only open works on a copy of the location in the temporary directory: dataDir is
   * never touched. A location another process has open is refused with `LOCKED` (seen in /proc/locks
   * on Linux; elsewhere a compaction removing a file during the copy fails it with IO: run it again).
   * Memoized per location for this instance.
   */
  #readOnlyCopy(relativePath: string | undefined): string {
    const real = this.#dataDir.resolve(relativePath ?? DEFAULT_LOCATION, { kind: 'directory', checkEntries: true });
    // An empty or missing location holds nothing; one with files but no CURRENT is damaged, and the
    // open of the copy says so (CORRUPT).
    if (!existsSync(real) || readdirSync(real).length === 0) throw new StoreError('NOT_FOUND', `level: no database at ${real}`);
    const holders = lockHolders(real);
    if (holders.length > 0) {
      // Its files are changing under the copy; LevelDB belongs to one process anyway.
      throw new StoreError('LOCKED', `level: ${real} is open in process ${holders.join(', ')}; read it once that process has stopped`);
    }
    const known = this.#copyOf.get(real);
    if (known !== undefined) return known;
    const dir = mkdtempSync(join(tmpdir(), 'agentstore-level-ro-'));
    this.#copies.push(dir);
    const copy = join(dir, 'location');
    try {
      cpSync(real, copy, { recursive: true, filter: (source) => !source.endsWith('/LOCK') });
    } catch (err) {
      throw new StoreError('IO', `level: could not copy ${real} for a read-only open (retry): ${String(err)}`, { cause: err });
    }
    this.#copyOf.set(real, copy);
    return copy;
  }

  /** A read-only open's error, naming the location in dataDir rather than its temporary copy. */
  #realPathsIn(err: unknown): unknown {
    if (!(err instanceof StoreError)) return err;
    let message = err.message;
    for (const [real, copy] of this.#copyOf) message = message.replaceAll(copy, real);
    return message === err.message ? err : new StoreError(err.code, message, { cause: err });
  }

  /** The default location's path, checked by the path policy but not created. */
  #defaultLocation(): string {
    return this.#dataDir.resolve(DEFAULT_LOCATION, { kind: 'directory' });
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreError('CLOSED', 'level: adapter instance is closed');
  }
}

/** Commits what the leases' queues hold (write-behind batches included); the error of a lost batch, if any. */
async function flushLeases(pending: ReadonlyArray<Promise<LocationLease>>): Promise<unknown> {
  const leases = (await Promise.allSettled(pending)).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  await Promise.all(leases.map((lease) => lease.queue.flush()));
  return leases.find((lease) => lease.queue.lost !== undefined)?.queue.lost;
}

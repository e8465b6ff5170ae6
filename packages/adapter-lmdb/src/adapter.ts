import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Adapter,
  type AdapterInstance,
  DataDir,
  type DomainBackend,
  type DomainOptions,
  type EngineInfo,
  type OpenContext,
  PendingReadsBackend,
  StoreError,
  writeBehindOf,
} from '@agentstore/core/spi';
import { backupEnv } from './backup.js';
import { fixedEngineLoaded, lmdbBuildInfo } from './build-info.js';
import { LmdbBackend } from './domain-backend.js';
import { walkEnv } from './env-walk.js';
import { type LmdbOptions, type LmdbResolvedOptions, lmdbOptionsSchema } from './options.js';
import { SharedEnv } from './shared-env.js';

/** Environment directory under dataDir when a domain gives no `path`. */
const DEFAULT_ENV_DIR = 'lmdb';

let warned = false;

/** Walks of one environment before its faults are believed (a concurrent commit can move pages). */
const WALK_ATTEMPTS = 3;

/** What a user does to get the fixed engine: the message of the warning and of `engine()`. */
export const STOCK_ENGINE_FIX =
  'To build it (needs a C/C++ compiler, make and python3): npm: `npm rebuild @agentstore/adapter-lmdb` ' +
  '(npm ≥ 11.19 with strict-allow-scripts: first `npm install-scripts approve @agentstore/adapter-lmdb`); ' +
  'pnpm 10: add @agentstore/adapter-lmdb to `pnpm.onlyBuiltDependencies` in package.json (or `pnpm approve-builds`), ' +
  'then `pnpm rebuild @agentstore/adapter-lmdb`; yarn: `yarn rebuild @agentstore/adapter-lmdb`. ' +
  'And import @agentstore/adapter-lmdb before anything imports lmdb.';

/** Warns once per process when the adapter runs lmdb's stock engine, and why, and how to fix it. */
function checkBuild(): void {
  if (warned || fixedEngineLoaded()) return;
  warned = true;
  const info = lmdbBuildInfo();
  process.emitWarning(
    `@agentstore/adapter-lmdb runs LMDB's stock engine (${info.reason}), which can lose acknowledged commits ` +
      'when several processes use one environment; each environment is therefore opened by one process only ' +
      `(another gets LOCKED) and capabilities.multiProcess is false. ${STOCK_ENGINE_FIX}`,
    { code: 'AGENTSTORE_LMDB_STOCK_ENGINE' },
  );
}

/** One line saying which engine build this process runs, for `store.stats()` and `agentstore doctor`. */
export function engineSummary(): EngineInfo {
  const info = lmdbBuildInfo();
  if (fixedEngineLoaded()) return { build: `agentstore's fixed LMDB engine (${info.addonPath})`, multiProcess: true };
  return {
    build: `LMDB's stock engine (${info.addonPath ?? 'unknown addon'}), single-process: ${info.reason}. ${STOCK_ENGINE_FIX}`,
    multiProcess: false,
  };
}

/**
 * The real environment directory of a domain, `path` (default `lmdb`) inside dataDir, through core's
 * path policy: no link or special file on the way or among the environment's files (`CORRUPT`), no
 * escape (`INVALID_OPTIONS`); `create` makes the missing directories.
 */
function envPath(dataDir: DataDir, path: string | undefined, create: boolean): string {
  return dataDir.resolve(path ?? DEFAULT_ENV_DIR, { kind: 'directory', create, checkEntries: true });
}

/** Whether an environment is (or was) at `path`: its data file, or the lock file LMDB leaves beside it. */
function envExists(path: string): boolean {
  return existsSync(join(path, 'data.mdb')) || existsSync(join(path, 'lock.mdb'));
}

/** One store's view of the adapter: the environments it holds a reference to. */
class LmdbInstance implements AdapterInstance<LmdbResolvedOptions> {
  readonly #dataDir: DataDir;
  readonly #envs = new Map<string, Promise<SharedEnv>>();
  readonly #readOnly: boolean;
  #open = true;

  constructor(dataDir: string, readOnly = false) {
    this.#dataDir = new DataDir(dataDir);
    this.#readOnly = readOnly;
  }

  async domain(domain: string, options: DomainOptions<LmdbResolvedOptions>): Promise<DomainBackend> {
    const env = await this.#env(options);
    if (this.#readOnly && !env.domains().includes(domain)) {
      throw new StoreError('NOT_FOUND', `lmdb: no domain "${domain}" in ${env.path}`);
    }
    const db = env.db(domain);
    const behind = writeBehindOf(options);
    const policy = { durability: options.durability, delayMs: options.commitDelayMs, behind };
    const backend = new LmdbBackend(env, domain, policy, () => this.#open);
    // A `fast` domain's reads overlay the writes acknowledged but not committed yet (SPEC §9.2).
    return behind === undefined ? backend : new PendingReadsBackend(backend, env.queue, db);
  }

  async dropDomain(domain: string, options: DomainOptions<LmdbResolvedOptions>): Promise<void> {
    if (this.#readOnly) throw new StoreError('UNSUPPORTED', 'lmdb: opened read-only');
    await (await this.#env(options)).drop(domain);
  }

  async listDomains(): Promise<string[]> {
    // Read-only: the default environment is listed when it exists (it is never created).
    if (!this.#readOnly || envExists(envPath(this.#dataDir, undefined, false))) {
      await this.#env(lmdbOptionsSchema.parse({}));
    }
    const names = new Set<string>();
    for (const env of await Promise.all(this.#envs.values())) for (const name of env.domains()) names.add(name);
    return [...names].sort();
  }

  async sync(): Promise<void> {
    if (this.#readOnly) return; // nothing was written
    for (const env of await Promise.all(this.#envs.values())) {
      await env.drain();
      await env.sync();
    }
  }

  engine(): EngineInfo {
    return engineSummary();
  }

  async backup(targetDir: string): Promise<void> {
    if (existsSync(envPath(this.#dataDir, undefined, false))) await this.#env(lmdbOptionsSchema.parse({}));
    // Environments exist, so dataDir does: its real path is what they were resolved below.
    const root = this.#dataDir.root() ?? this.#dataDir.path;
    for (const env of await Promise.all(this.#envs.values())) {
      await env.drain();
      await backupEnv(env, root, targetDir);
    }
  }

  /**
   * A structural walk of every environment this instance holds (the default one included when it
   * exists): `env-walk.ts`. A read transaction pins the snapshot being walked, and a walk that finds
   * faults is repeated, so that a commit landing mid-walk is not taken for damage.
   */
  async check(): Promise<string[]> {
    if (existsSync(envPath(this.#dataDir, undefined, false))) await this.#env(lmdbOptionsSchema.parse({}));
    const faults: string[] = [];
    for (const env of await Promise.all(this.#envs.values())) {
      let found: string[] = [];
      for (let attempt = 0; attempt < WALK_ATTEMPTS; attempt++) {
        const txn = env.root.useReadTransaction();
        try {
          found = walkEnv(env.path);
        } finally {
          txn.done();
        }
        if (found.length === 0) break;
      }
      faults.push(...found);
    }
    return faults;
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    const envs = await Promise.allSettled(this.#envs.values());
    this.#envs.clear();
    // Write-behind batches commit before close resolves, even where another store keeps the environment open.
    const opened = envs.flatMap((e) => (e.status === 'fulfilled' ? [e.value] : []));
    const flushed = await Promise.allSettled(opened.map((env) => env.drain()));
    await Promise.all(opened.map((env) => env.release()));
    const lost = flushed.find((outcome) => outcome.status === 'rejected');
    if (lost !== undefined) throw lost.reason;
  }

  #env(options: Pick<LmdbResolvedOptions, 'path' | 'maxDbs' | 'maxReaders' | 'mapSizeMb'>): Promise<SharedEnv> {
    if (!this.#open) return Promise.reject(new StoreError('CLOSED', 'the lmdb adapter is closed'));
    let path: string;
    try {
      path = envPath(this.#dataDir, options.path, !this.#readOnly);
      // A lock.mdb without its data.mdb is a deleted environment: the open reports it (CORRUPT).
      if (this.#readOnly && !envExists(path)) throw new StoreError('NOT_FOUND', `lmdb: no environment at ${path}`);
    } catch (err) {
      return Promise.reject(err);
    }
    let env = this.#envs.get(path);
    if (!env) {
      env = SharedEnv.acquire(path, options as LmdbResolvedOptions, this.#readOnly);
      this.#envs.set(path, env);
      env.catch(() => this.#envs.delete(path));
    }
    return env;
  }
}

/**
 * The LMDB adapter (lmdb-js 3.5.6 on agentstore's fixed engine, built from source on install): one
 * environment per dataDir (`<dataDir>/lmdb`, or a domain's own `path`), one named database per domain,
 * group commit. `capabilities.multiProcess` is false when this process runs lmdb's stock engine (each
 * environment is then held by one process; see the README).
 *
 * @example
 * const store = await createStore({ adapters: [lmdbAdapter], domains: { checkpoints: { adapter: 'lmdb' } } });
 */
export const lmdbAdapter: Adapter<LmdbOptions, LmdbResolvedOptions> = {
  name: 'lmdb',
  optionsSchema: lmdbOptionsSchema,
  capabilities: Object.freeze({
    // Which engine is loaded is looked up on first read (it reads the addon), not at import.
    get multiProcess(): boolean {
      return fixedEngineLoaded();
    },
    persistent: true,
    guardedWrites: true,
  }),
  async open(ctx: OpenContext): Promise<AdapterInstance<LmdbResolvedOptions>> {
    checkBuild();
    return new LmdbInstance(ctx.dataDir, ctx.readOnly === true);
  },
};

import { existsSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { type Adapter, type AdapterInstance, type DomainBackend, type DomainOptions, type OpenContext, StoreError } from '@agentstore/core';
import { backupEnv } from './backup.js';
import { lmdbBuildInfo } from './build-info.js';
import { LmdbBackend } from './domain-backend.js';
import { walkEnv } from './env-walk.js';
import { isContainedPath, type LmdbOptions, type LmdbResolvedOptions, lmdbOptionsSchema } from './options.js';
import { SharedEnv } from './shared-env.js';

/** Environment directory under dataDir when a domain gives no `path`. */
const DEFAULT_ENV_DIR = 'lmdb';

let warned = false;

/** Walks of one environment before its faults are believed (a concurrent commit can move pages). */
const WALK_ATTEMPTS = 3;

/** Warns once per process when the loaded LMDB binary is not agentstore's patched build. */
function checkBuild(): void {
  if (warned) return;
  const info = lmdbBuildInfo();
  if (info.patched) return;
  warned = true;
  process.emitWarning(
    `@agentstore/adapter-lmdb: the loaded LMDB addon (${info.addonPath ?? 'unknown'}) is not the patched ` +
      'source build; with several processes on one dataDir it can lose acknowledged commits. ' +
      'Reinstall so that patches/lmdb@3.5.6.patch is applied and the addon is built from source.',
    { code: 'AGENTSTORE_LMDB_UNPATCHED' },
  );
}

/** The absolute environment directory of a domain: `path` resolved inside dataDir. */
function envPath(dataDir: string, path: string | undefined): string {
  if (path === undefined) return resolve(dataDir, DEFAULT_ENV_DIR);
  const full = resolve(dataDir, path);
  if (!isContainedPath(path) || !full.startsWith(dataDir.endsWith(sep) ? dataDir : dataDir + sep)) {
    throw new StoreError('INVALID_OPTIONS', `lmdb path ${JSON.stringify(path)} must stay inside dataDir`, {
      issues: [{ path: ['path'], message: 'path must be relative and stay inside dataDir' }],
    });
  }
  return full;
}

/** One store's view of the adapter: the environments it holds a reference to. */
class LmdbInstance implements AdapterInstance<LmdbResolvedOptions> {
  readonly #dataDir: string;
  readonly #envs = new Map<string, Promise<SharedEnv>>();
  #open = true;

  constructor(dataDir: string) {
    this.#dataDir = resolve(dataDir);
  }

  async domain(domain: string, options: DomainOptions<LmdbResolvedOptions>): Promise<DomainBackend> {
    const env = await this.#env(options);
    env.db(domain);
    const policy = { strict: options.durability === 'strict', delayMs: options.commitDelayMs };
    return new LmdbBackend(env, domain, policy, () => this.#open);
  }

  async dropDomain(domain: string, options: DomainOptions<LmdbResolvedOptions>): Promise<void> {
    await (await this.#env(options)).drop(domain);
  }

  async listDomains(): Promise<string[]> {
    await this.#env(lmdbOptionsSchema.parse({}));
    const names = new Set<string>();
    for (const env of await Promise.all(this.#envs.values())) for (const name of env.domains()) names.add(name);
    return [...names].sort();
  }

  async sync(): Promise<void> {
    for (const env of await Promise.all(this.#envs.values())) {
      await env.queue.drain();
      await env.queue.sync();
    }
  }

  async backup(targetDir: string): Promise<void> {
    if (existsSync(resolve(this.#dataDir, DEFAULT_ENV_DIR))) await this.#env(lmdbOptionsSchema.parse({}));
    for (const env of await Promise.all(this.#envs.values())) {
      await env.queue.drain();
      await backupEnv(env, this.#dataDir, targetDir);
    }
  }

  /**
   * A structural walk of every environment this instance holds (the default one included when it
   * exists): `env-walk.ts`. A read transaction pins the snapshot being walked, and a walk that finds
   * faults is repeated, so that a commit landing mid-walk is not taken for damage.
   */
  async check(): Promise<string[]> {
    if (existsSync(resolve(this.#dataDir, DEFAULT_ENV_DIR))) await this.#env(lmdbOptionsSchema.parse({}));
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
    await Promise.all(envs.map((e) => (e.status === 'fulfilled' ? e.value.release() : undefined)));
  }

  #env(options: Pick<LmdbResolvedOptions, 'path' | 'maxDbs' | 'maxReaders' | 'mapSizeMb'>): Promise<SharedEnv> {
    if (!this.#open) return Promise.reject(new StoreError('CLOSED', 'the lmdb adapter is closed'));
    const path = envPath(this.#dataDir, options.path);
    let env = this.#envs.get(path);
    if (!env) {
      env = SharedEnv.acquire(path, options as LmdbResolvedOptions);
      this.#envs.set(path, env);
      env.catch(() => this.#envs.delete(path));
    }
    return env;
  }
}

/**
 * The LMDB adapter (lmdb-js 3.5.6, patched and built from source on install): one environment per
 * dataDir (`<dataDir>/lmdb`, or a domain's own `path`), one named database per domain, group commit.
 *
 * @example
 * const store = await createStore({ adapters: [lmdbAdapter], domains: { checkpoints: { adapter: 'lmdb' } } });
 */
export const lmdbAdapter: Adapter<LmdbOptions> = {
  name: 'lmdb',
  optionsSchema: lmdbOptionsSchema,
  capabilities: Object.freeze({ multiProcess: true, persistent: true, nativeTransactions: true, counters: 'native' }),
  async open(ctx: OpenContext): Promise<AdapterInstance<LmdbOptions>> {
    checkBuild();
    return new LmdbInstance(ctx.dataDir) as unknown as AdapterInstance<LmdbOptions>;
  },
};

import { createHash } from 'node:crypto';
import {
  type AdapterInstance,
  type DomainBackend,
  type DomainOptions,
  PendingReadsBackend,
  StoreError,
  writeBehindOf,
} from '@agentstore/core/spi';
import { RedisBackend } from './backend.js';
import { Connection } from './connection.js';
import { type RedisOptions, type ResolvedRedisOptions, resolveOptions } from './options.js';
import type { DomainKeys } from './reads.js';

/** Where one domain's data lives under a store prefix (domain names are `[a-z][a-z0-9_]*`: no colon). */
function domainKeys(prefix: string, domain: string): DomainKeys {
  return { z: `${prefix}:${domain}:z`, h: `${prefix}:${domain}:h`, v: `${prefix}:${domain}:v` };
}

type Target = Pick<ResolvedRedisOptions, 'url' | 'connectTimeoutMs'> & { readonly prefix: string };

/** Servers and prefixes used through each dataDir in this process: `listDomains` gets no options. */
const targetsByDataDir = new Map<string, Map<string, Target>>();

/** The adapter opened for one store: one client per server URL, one backend per domain. */
export class RedisInstance implements AdapterInstance<RedisOptions> {
  readonly #dataDir: string;
  /** `agentstore-` and a hash of the dataDir: the prefix of a store that sets none. */
  readonly #defaultPrefix: string;
  readonly #connections = new Map<string, Connection>();
  readonly #backends = new Set<RedisBackend>();
  readonly #readOnly: boolean;
  #closed = false;

  constructor(dataDir: string, readOnly = false) {
    this.#dataDir = dataDir;
    this.#readOnly = readOnly;
    this.#defaultPrefix = `agentstore-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`;
  }

  async domain(domain: string, options: DomainOptions<RedisOptions>): Promise<DomainBackend> {
    const { conn, prefix } = await this.#open(options);
    if (this.#readOnly) {
      // Read-only (SPEC §9.6): nothing is registered or created; a domain never registered is absent.
      const known = await conn.call('looking up the domain', (client) => client.sismember(`${prefix}:domains`, domain));
      if (known !== 1) throw new StoreError('NOT_FOUND', `redis: no domain "${domain}" under prefix ${prefix}`);
      return new RedisBackend(conn, domainKeys(prefix, domain), options.durability);
    }
    await conn.requireDurability(options.durability);
    await conn.call('registering the domain', (client) => client.sadd(`${prefix}:domains`, domain));
    const keys = domainKeys(prefix, domain);
    const behind = writeBehindOf(options);
    const backend = new RedisBackend(conn, keys, options.durability, behind);
    this.#backends.add(backend);
    // A `fast` domain's reads overlay the writes acknowledged but not committed yet (SPEC §9.2).
    return behind === undefined ? backend : new PendingReadsBackend(backend, backend.queue, keys);
  }

  async dropDomain(domain: string, options: DomainOptions<RedisOptions>): Promise<void> {
    if (this.#readOnly) throw new StoreError('UNSUPPORTED', 'redis: opened read-only');
    const { conn, prefix } = await this.#open(options);
    const { z, h, v } = domainKeys(prefix, domain);
    // The version is bumped, not deleted: a transaction that read the domain before must not match it again.
    await conn.call('dropping the domain', async (client) => {
      const results = await client.multi().del(z, h).incr(v).srem(`${prefix}:domains`, domain).exec();
      const failed = results?.find(([error]) => error !== null);
      if (failed) throw failed[0];
    });
  }

  async listDomains(): Promise<string[]> {
    const names = new Set<string>();
    for (const target of targetsByDataDir.get(this.#dataDir)?.values() ?? []) {
      const { conn, prefix } = await this.#open(target);
      for (const name of await conn.call('listing domains', (client) => client.smembers(`${prefix}:domains`))) names.add(name);
    }
    return [...names].sort();
  }

  async sync(): Promise<void> {
    // Every acknowledged write is on the server already, as durable as its persistence settings make it
    // (checked at open); Redis before 7.2 has no command to force an fsync.
    await Promise.all([...this.#backends].map((backend) => backend.flush()));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    const flushed = await Promise.allSettled([this.sync()]);
    this.#closed = true;
    await Promise.all([...this.#connections.values()].map((conn) => conn.close()));
    // A write-behind batch lost after it was acknowledged is reported here at the latest.
    if (flushed[0]?.status === 'rejected') throw flushed[0].reason;
  }

  /** The connection (connected) and key prefix for `options`. */
  async #open(options: Readonly<Record<string, unknown>>): Promise<{ conn: Connection; prefix: string }> {
    if (this.#closed) throw new StoreError('CLOSED', 'redis: the store is closed');
    const { url, prefix = this.#defaultPrefix, connectTimeoutMs } = resolveOptions(options);
    let conn = this.#connections.get(url);
    if (conn === undefined) {
      conn = new Connection(url, connectTimeoutMs);
      this.#connections.set(url, conn);
    }
    await conn.ready();
    const targets = targetsByDataDir.get(this.#dataDir) ?? new Map<string, Target>();
    targetsByDataDir.set(this.#dataDir, targets);
    targets.set(`${url}\n${prefix}`, { url, prefix, connectTimeoutMs });
    return { conn, prefix };
  }
}

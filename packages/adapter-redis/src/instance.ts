import { createHash } from 'node:crypto';
import type { AdapterInstance, DomainBackend, DomainOptions } from '@agentstore/core';
import { RedisBackend } from './backend.js';
import { Connection } from './connection.js';
import type { DomainKeys } from './engine.js';
import { translateError } from './errors.js';
import { type RedisOptions, resolveOptions } from './options.js';

/** Where one domain's data lives under a store prefix (domain names are `[a-z][a-z0-9_]*`: no colon). */
function domainKeys(prefix: string, domain: string): DomainKeys {
  return { z: `${prefix}:${domain}:z`, h: `${prefix}:${domain}:h`, v: `${prefix}:${domain}:v` };
}

/** The adapter opened for one store: one client per server URL, one backend per domain. */
export class RedisInstance implements AdapterInstance<RedisOptions> {
  /** `agentstore-` and a hash of the dataDir: the prefix of a store that sets none. */
  readonly #defaultPrefix: string;
  readonly #connections = new Map<string, Connection>();
  readonly #backends = new Set<RedisBackend>();
  /** Each server and prefix this instance used, for `listDomains`. */
  readonly #used = new Map<string, { conn: Connection; prefix: string }>();

  constructor(dataDir: string) {
    this.#defaultPrefix = `agentstore-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`;
  }

  async domain(domain: string, options: DomainOptions<RedisOptions>): Promise<DomainBackend> {
    const { conn, prefix } = await this.#open(options);
    await conn.requireDurability(options.durability);
    await this.#run('registering the domain', () => conn.client.sadd(`${prefix}:domains`, domain));
    const backend = new RedisBackend(conn, domainKeys(prefix, domain), options.durability);
    this.#backends.add(backend);
    return backend;
  }

  async dropDomain(domain: string, options: DomainOptions<RedisOptions>): Promise<void> {
    const { conn, prefix } = await this.#open(options);
    const { z, h, v } = domainKeys(prefix, domain);
    // The version is bumped, not deleted: a transaction that read the domain before must not match it again.
    await this.#run('dropping the domain', async () => {
      const results = await conn.client.multi().del(z, h).incr(v).srem(`${prefix}:domains`, domain).exec();
      const failed = results?.find(([error]) => error !== null);
      if (failed) throw failed[0];
    });
  }

  async listDomains(): Promise<string[]> {
    const names = new Set<string>();
    for (const { conn, prefix } of this.#used.values()) {
      for (const name of await this.#run('listing domains', () => conn.client.smembers(`${prefix}:domains`))) names.add(name);
    }
    return [...names].sort();
  }

  async sync(): Promise<void> {
    // Every acknowledged write is on the server already, as durable as its persistence settings make it
    // (checked at open); Redis before 7.2 has no command to force an fsync.
    await Promise.all([...this.#backends].map((backend) => backend.queue.whenIdle()));
  }

  async close(): Promise<void> {
    await this.sync();
    const connections = [...this.#connections.values()];
    this.#connections.clear();
    this.#backends.clear();
    this.#used.clear();
    await Promise.all(connections.map((conn) => conn.close()));
  }

  /** The connection and key prefix for `options`, connected. */
  async #open(options: Readonly<Record<string, unknown>>): Promise<{ conn: Connection; prefix: string }> {
    const { url, prefix = this.#defaultPrefix, connectTimeoutMs } = resolveOptions(options);
    let conn = this.#connections.get(url);
    if (conn === undefined) {
      conn = new Connection(url, connectTimeoutMs);
      this.#connections.set(url, conn);
    }
    await conn.ready();
    this.#used.set(`${url}\n${prefix}`, { conn, prefix });
    return { conn, prefix };
  }

  async #run<T>(doing: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw translateError(error, doing);
    }
  }
}

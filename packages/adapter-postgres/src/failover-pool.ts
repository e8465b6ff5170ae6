import type { Pool, PooledClient, RowsResult, Statement } from './driver.js';
import { withClient } from './with-client.js';

/** No server in the list accepts writes now (all down, or all standbys): a connection error, so `IO`. */
class NoWritableServer extends Error {
  readonly code = 'ENOWRITABLE';
}

/**
 * Several servers tried in order, as libpq does with `host=a,b`: a connection comes from the first one
 * that answers — and, with `target_session_attrs=read-write`, is not in recovery (checked once per new
 * connection). The server that served last is tried first. When the primary dies, transactions on it
 * fail with `IO`; later ones reach whichever server has been promoted, without restarting anything.
 */
export class FailoverPool implements Pool {
  readonly #pools: readonly Pool[];
  readonly #readWrite: boolean;
  readonly #checked = new WeakSet<object>();
  #current = 0;

  constructor(pools: readonly Pool[], readWrite: boolean) {
    this.#pools = pools;
    this.#readWrite = readWrite;
  }

  async connect(): Promise<PooledClient> {
    let failure: unknown = new NoWritableServer('postgres: no server accepts writes');
    for (let i = 0; i < this.#pools.length; i++) {
      const index = (this.#current + i) % this.#pools.length;
      let client: PooledClient;
      try {
        client = await (this.#pools[index] as Pool).connect();
      } catch (error) {
        failure = error;
        continue;
      }
      if (this.#readWrite && !this.#checked.has(client)) {
        const onError = () => {};
        client.on('error', onError);
        try {
          const result = (await client.query('SELECT pg_is_in_recovery() AS standby')) as { rows: Array<{ standby: boolean }> };
          if (result.rows[0]?.standby !== false) {
            client.release(true);
            failure = new NoWritableServer(`postgres: server ${index + 1} of ${this.#pools.length} is a standby`);
            continue;
          }
          this.#checked.add(client);
        } catch (error) {
          client.release(true);
          failure = error;
          continue;
        } finally {
          client.removeListener('error', onError);
        }
      }
      this.#current = index;
      return client;
    }
    throw failure;
  }

  query(statement: Statement & { rowMode: 'array' }): Promise<RowsResult>;
  query(text: string): Promise<unknown>;
  async query(statement: (Statement & { rowMode: 'array' }) | string): Promise<unknown> {
    return withClient(
      () => this.connect(),
      (client) => client.query(statement as string),
    );
  }

  async end(): Promise<void> {
    await Promise.all(this.#pools.map((pool) => pool.end().catch(() => {})));
  }

  on(event: 'error', listener: (err: Error) => void): unknown {
    for (const pool of this.#pools) pool.on(event, listener);
    return this;
  }
}

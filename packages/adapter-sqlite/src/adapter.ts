import type { Adapter, AdapterInstance, Capabilities, OpenContext } from '@agentstore/core/spi';
import { loadDriver } from './driver.js';
import { SqliteInstance } from './instance.js';
import { type ResolvedSqliteOptions, type SqliteOptions, sqliteOptionsSchema } from './options.js';

const capabilities: Capabilities = Object.freeze({
  multiProcess: true,
  persistent: true,
  guardedWrites: true,
});

/**
 * The SQLite adapter (better-sqlite3): one WAL-mode file per dataDir, one table per domain, group
 * commit, safe for several processes.
 *
 * @example
 * const store = await createStore({ adapters: [sqliteAdapter], default: { adapter: 'sqlite' } });
 */
export const sqliteAdapter: Adapter<SqliteOptions, ResolvedSqliteOptions> = Object.freeze({
  name: 'sqlite',
  optionsSchema: sqliteOptionsSchema,
  capabilities,
  preflight(): void {
    loadDriver();
  },
  async open(ctx: OpenContext): Promise<AdapterInstance<ResolvedSqliteOptions>> {
    loadDriver();
    return new SqliteInstance(ctx.dataDir, ctx.readOnly === true);
  },
});

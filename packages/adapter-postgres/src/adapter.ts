import type { Adapter, AdapterInstance, Capabilities, OpenContext } from '@agentstore/core/spi';
import { PostgresInstance } from './instance.js';
import { type PostgresOptions, postgresOptionsSchema, type ResolvedPostgresOptions } from './options.js';

const capabilities: Capabilities = Object.freeze({
  multiProcess: true,
  persistent: true,
  guardedWrites: true,
});

/**
 * The PostgreSQL adapter (pg): one table per domain in a schema, group commit, writers of a domain
 * serialized across processes and hosts by an advisory lock. For several processes or machines.
 *
 * @example
 * const store = await createStore({
 *   adapters: [postgresAdapter],
 *   domains: { runs: { adapter: 'postgres', options: { connectionString: 'postgres://app@db:5432/app' } } },
 * });
 */
export const postgresAdapter: Adapter<PostgresOptions, ResolvedPostgresOptions> = Object.freeze({
  name: 'postgres',
  optionsSchema: postgresOptionsSchema,
  capabilities,
  async open(ctx: OpenContext): Promise<AdapterInstance<ResolvedPostgresOptions>> {
    return new PostgresInstance(ctx.dataDir, ctx.readOnly === true);
  },
});

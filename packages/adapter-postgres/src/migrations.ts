import { StoreError } from '@agentstore/core';
import type { PooledClient } from './driver.js';
import { lockKey, quoteSchema } from './identifiers.js';

/** One step of the schema's layout; applied once, in order, recorded in `agentstore_migrations`. */
interface Migration {
  readonly version: number;
  readonly description: string;
  statements(schema: string): string[];
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'meta table (sync counter); domain tables d_<domain> (k bytea primary key, v bytea not null)',
    statements: (s) => [
      `CREATE TABLE ${s}.agentstore_meta (key text PRIMARY KEY, value bigint NOT NULL)`,
      `INSERT INTO ${s}.agentstore_meta (key, value) VALUES ('sync_count', 0)`,
    ],
  },
];

/** The newest layout this code knows; a schema with a newer one is refused (`UNSUPPORTED`). */
export const LAYOUT_VERSION = MIGRATIONS.length;

/** The advisory lock every DDL statement of `schema` (setup, table creation) runs under. */
export function ddlLock(schema: string): string {
  return `SELECT pg_advisory_xact_lock(${lockKey(schema, 'ddl')})`;
}

/**
 * Creates the schema and applies missing migrations, in one transaction under the schema's DDL
 * advisory lock, so that any number of processes may do it at the same moment: the first one
 * creates, the others wait for it and then find everything in place. `client` is idle on entry.
 */
export async function migrate(client: PooledClient, schema: string): Promise<void> {
  const s = quoteSchema(schema);
  await client.query(`BEGIN; ${ddlLock(schema)}`);
  try {
    const found = await client.query({ text: 'SELECT 1 FROM pg_namespace WHERE nspname = $1', values: [schema], rowMode: 'array' });
    // Checked first so that a role without CREATE on the database can use a schema made for it.
    if (found.rows.length === 0) await client.query(`CREATE SCHEMA ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.agentstore_migrations ` +
        '(version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const applied = await client.query({ text: `SELECT version FROM ${s}.agentstore_migrations`, rowMode: 'array' });
    const versions = new Set(applied.rows.map((row) => Number(row[0])));
    const newest = Math.max(0, ...versions);
    if (newest > LAYOUT_VERSION) {
      throw new StoreError('UNSUPPORTED', `postgres: schema ${schema} has layout version ${newest}, newer than ${LAYOUT_VERSION}`);
    }
    for (const migration of MIGRATIONS) {
      if (versions.has(migration.version)) continue;
      for (const statement of migration.statements(s)) await client.query(statement);
      await client.query({
        text: `INSERT INTO ${s}.agentstore_migrations (version, description) VALUES ($1, $2)`,
        values: [migration.version, migration.description],
        rowMode: 'array',
      });
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

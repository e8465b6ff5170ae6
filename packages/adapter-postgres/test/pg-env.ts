/** Where the tests find PostgreSQL, and a few admin helpers that run outside the adapter. */
import { basename } from 'node:path';
import pg from 'pg';

/** The server the tests use: `AGENTSTORE_PG_URL`, by default the machine's local PostgreSQL. */
export const PG_URL = process.env.AGENTSTORE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Why the tests cannot run (PostgreSQL unreachable), or undefined when they can. */
export async function unreachableReason(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${redact(PG_URL)} is unreachable (${(error as Error).message}); set AGENTSTORE_PG_URL`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/:[^:@/]*@/, ':***@');
}

/** A schema name derived from a test's dataDir (its basename, sanitized), unique per test. */
export function schemaFor(dataDir: string): string {
  const base = basename(dataDir)
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  return `t_${base}`.slice(0, 63);
}

/** Runs `fn` with a short-lived admin connection. */
export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL, application_name: 'agentstore-test-admin' });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`bad schema ${schema}`);
  await withAdmin((client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}

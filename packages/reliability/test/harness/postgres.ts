/**
 * The PostgreSQL server the reliability tests may use (`AGENTSTORE_PG_URL`, default the local test
 * database): whether it answers, a schema per test, and dropping those schemas afterwards.
 */
import { connect } from 'node:net';
import pg from 'pg';
import type { AdapterSource } from './stores.js';

/** The server's URL. */
export const PG_URL = process.env.AGENTSTORE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Where the PostgreSQL adapter comes from. */
export const POSTGRES_SOURCE: AdapterSource = { specifier: '@agentstore/adapter-postgres', exportName: 'postgresAdapter' };

/** Why PostgreSQL cannot be used here (one line), or undefined when the server answers. */
export async function postgresDownReason(): Promise<string | undefined> {
  const url = new URL(PG_URL);
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 5432) });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(2_000);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
  return reachable ? undefined : `PostgreSQL at ${url.hostname}:${url.port || 5432} is not reachable; set AGENTSTORE_PG_URL`;
}

/** A schema name of its own for `dataDir` (a fresh temp directory), recorded in `made` for `dropSchemas`. */
export function schemaFor(dataDir: string, made: string[]): string {
  const tail = (dataDir.split('/').pop() ?? 'x').toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const schema = `t_${tail}`.slice(0, 63);
  if (!made.includes(schema)) made.push(schema);
  return schema;
}

/** Drops `schemas` (and everything in them). */
export async function dropSchemas(schemas: readonly string[]): Promise<void> {
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Issue 14 item 7: the `schema` option refuses PostgreSQL's system schemas (`pg_*` in any case, quoted
 * or not, and `information_schema`) with `INVALID_OPTIONS` before any connection is made; run as a
 * superuser, `information_schema` was accepted and the domain tables were created there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '@agentstore/core';
import type { StoreError } from '@agentstore/core/spi';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresAdapter } from '../src/index.js';
import { isSystemSchema, postgresOptionsSchema } from '../src/options.js';
import { domainOptions } from './helpers.js';
import { PG_URL, unreachableReason } from './pg-env.js';

const SYSTEM = [
  'information_schema',
  'pg_catalog',
  'pg_toast',
  'pg_temp_3',
  'pg_toast_temp_1',
  'pg_agentstore',
  'PG_CATALOG',
  'Pg_Toast',
  'Information_Schema',
  'INFORMATION_SCHEMA',
  '"pg_catalog"',
  '"PG_CATALOG"',
  '"information_schema"',
] as const;

/** Nothing listens on port 1: an adapter that tried to connect would fail with `IO`, not `INVALID_OPTIONS`. */
const NOWHERE = 'postgres://127.0.0.1:1/none';

const dataDir = mkdtempSync(join(tmpdir(), 'agentstore-pg-schema-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** The error `fn` rejects with (fails the test when it resolves). */
async function failure(fn: () => Promise<unknown>): Promise<StoreError> {
  try {
    await fn();
  } catch (error) {
    return error as StoreError;
  }
  throw new Error('expected a rejection');
}

describe('postgres schema option', () => {
  it.each(SYSTEM)('the options schema refuses the system schema %s', (schema) => {
    expect(isSystemSchema(schema)).toBe(true);
    expect(postgresOptionsSchema.safeParse({ schema }).success).toBe(false);
  });

  it.each(['agentstore', 'pgdata', 'pg', 'my_pg_catalog', '_pg_x', 'information', 'information_schema2'])(
    'accepts the ordinary schema %s',
    (schema) => {
      expect(isSystemSchema(schema)).toBe(false);
      expect(postgresOptionsSchema.parse({ schema }).schema).toBe(schema);
    },
  );

  it.each(['information_schema', 'pg_catalog', 'PG_TOAST'])('the adapter refuses %s before connecting', async (schema) => {
    const instance = await postgresAdapter.open({ dataDir });
    try {
      const started = Date.now();
      const error = await failure(() => instance.domain('docs', domainOptions({ connectionString: NOWHERE, schema })));
      expect(error.code).toBe('INVALID_OPTIONS');
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await instance.close();
    }
  });

  it('createStore refuses a route to information_schema with INVALID_OPTIONS', async () => {
    const error = await failure(() =>
      createStore({
        dataDir,
        adapters: [postgresAdapter],
        default: { adapter: 'postgres', options: { connectionString: NOWHERE, schema: 'information_schema' } },
      }),
    );
    expect(error.code).toBe('INVALID_OPTIONS');
  });

  it('on a real server (as a superuser) no table appears in information_schema', async (ctx) => {
    const reason = await unreachableReason();
    if (reason !== undefined) {
      console.log(`[adapter-postgres] system-schema check on a server skipped: ${reason}`);
      ctx.skip();
    }
    const instance = await postgresAdapter.open({ dataDir });
    try {
      const error = await failure(() =>
        instance.domain('sysschema', domainOptions({ connectionString: PG_URL, schema: 'information_schema' })),
      );
      expect(error.code).toBe('INVALID_OPTIONS');
    } finally {
      await instance.close();
    }
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      const { rows } = await client.query(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'information_schema' AND (tablename LIKE 'd\\_%' OR tablename LIKE 'agentstore%')",
      );
      expect(rows).toEqual([]);
    } finally {
      await client.end();
    }
  });
});

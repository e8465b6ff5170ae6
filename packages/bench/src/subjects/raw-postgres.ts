import pg from 'pg';
import {
  ARTIFACT,
  ARTIFACT_EVICT_KEYS,
  ARTIFACT_GET_KEYS,
  ARTIFACT_PUT_KEYS,
  BUDGET_BLOBS,
  CHECKPOINT_DATA,
  COUNTER_KEYS,
  COUNTER_KEYSPACE,
  checkpointMetadata,
  GET_BLOBS,
  KV_KEYS,
  VALUE,
} from '../data.js';
import type { ArtifactTarget, CheckpointTarget, KvTarget } from './types.js';

/** The server the benchmark uses: `AGENTSTORE_PG_URL`, by default the one packages/adapter-postgres's tests use. */
export const PG_URL = process.env.AGENTSTORE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/:[^:@/]*@/, ':***@');
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000, application_name: 'agentstore-bench-admin' });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Why the postgres backend cannot run (server unreachable), or undefined when it can. */
export async function postgresUnreachable(url: string): Promise<string | undefined> {
  try {
    await withClient(url, (c) => c.query('SELECT 1'));
    return undefined;
  } catch (err) {
    return `PostgreSQL at ${redact(url)} is unreachable (${(err as Error).message.split('\n')[0]}); set AGENTSTORE_PG_URL`;
  }
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;
/** Schemas this process created and has not dropped yet (dropped on Ctrl-C too). */
const created = new Set<string>();

/** A fresh schema name for this run. */
export function runSchema(): string {
  return `agentstore_bench_${Date.now().toString(36)}_${process.pid}`;
}

/** Records `schema` as created by this run (the adapter or a peer creates it), so it is dropped at the end. */
export function ownSchema(schema: string): void {
  if (!SCHEMA.test(schema)) throw new Error(`bad schema name ${schema}`);
  created.add(schema);
}

/** Drops `schemas` and everything in them. */
export async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  await withClient(url, async (c) => {
    for (const s of schemas) {
      if (!SCHEMA.test(s)) throw new Error(`bad schema name ${s}`);
      await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
      created.delete(s);
    }
  });
}

/** Drops every schema this run created and still holds (Ctrl-C), bounded by `ms`. */
export async function dropOwnSchemas(url: string, ms = 5000): Promise<void> {
  if (created.size === 0) return;
  await Promise.race([dropSchemas(url, [...created]).catch(() => {}), new Promise((r) => setTimeout(r, ms).unref())]);
}

/** A raw `pg` pool with the tables the baseline uses. */
export interface RawPostgres {
  readonly kv: KvTarget;
  /** Checkpoints (every commit synchronous, as agentstore's `balanced` and `strict` both are on postgres). */
  readonly checkpoints: CheckpointTarget;
  readonly artifacts: ArtifactTarget;
  close(): Promise<void>;
}

let statementId = 0;
/** A named (prepared once per connection, then only executed) statement, like the adapter's. */
function prepared(text: string): (values: unknown[]) => pg.QueryConfig {
  const name = `bench_raw_${statementId++}`;
  return (values) => ({ name, text, values });
}

const toBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/**
 * `pg` as a careful user would set it up next to agentstore's adapter: a `Pool` of the adapter's default
 * size (10) on the same server, every connection with `synchronous_commit = on` (what the adapter commits
 * `balanced` and `strict` with), the adapter's table shape `(k bytea PRIMARY KEY, v bytea NOT NULL)` for
 * values and blobs, named prepared statements, and every write a single statement (one round trip,
 * atomic on its own).
 */
export async function openRawPostgres(url: string, schema: string): Promise<RawPostgres> {
  if (!SCHEMA.test(schema)) throw new Error(`bad schema name ${schema}`);
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    application_name: 'agentstore-bench-raw',
    options: '-c synchronous_commit=on',
  });
  pool.on('error', () => {});
  const t = (name: string) => `"${schema}".${name}`;
  ownSchema(schema);
  await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await pool.query(`
    CREATE TABLE IF NOT EXISTS ${t('raw_kv')} (k bytea PRIMARY KEY, v bytea NOT NULL);
    CREATE TABLE IF NOT EXISTS ${t('raw_counters')} (k bytea PRIMARY KEY, v int8 NOT NULL);
    CREATE TABLE IF NOT EXISTS ${t('raw_blobs')} (k bytea PRIMARY KEY, v bytea NOT NULL);
    CREATE TABLE IF NOT EXISTS ${t('raw_checkpoints')} (
      trace text NOT NULL, seq int8 NOT NULL, id text NOT NULL, parent_id text,
      created_at int8 NOT NULL, metadata text NOT NULL, data bytea NOT NULL,
      PRIMARY KEY (trace, seq));`);

  const value = toBuffer(VALUE);
  const blob = toBuffer(ARTIFACT);
  const cpData = toBuffer(CHECKPOINT_DATA);
  const get = prepared(`SELECT v FROM ${t('raw_kv')} WHERE k = $1`);
  const put = prepared(`INSERT INTO ${t('raw_kv')} (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v`);
  const putMany = prepared(
    `INSERT INTO ${t('raw_kv')} (k, v) SELECT * FROM unnest($1::bytea[], $2::bytea[]) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v`,
  );
  const scan = prepared(`SELECT k, v FROM ${t('raw_kv')} WHERE k >= $1 ORDER BY k LIMIT $2`);
  const bump = prepared(
    `INSERT INTO ${t('raw_counters')} (k, v) VALUES ($1, 1) ON CONFLICT (k) DO UPDATE SET v = ${t('raw_counters')}.v + 1 RETURNING v`,
  );

  const putBlob = prepared(`INSERT INTO ${t('raw_blobs')} (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v`);
  const putBlobEvicting = prepared(
    `WITH gone AS (DELETE FROM ${t('raw_blobs')} WHERE k = $3::bytea) ` +
      `INSERT INTO ${t('raw_blobs')} (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v`,
  );
  const getBlob = prepared(`SELECT v FROM ${t('raw_blobs')} WHERE k = $1`);

  // One statement appends: the newest row of the trace gives seq and parent; the primary key makes a
  // racing save fail rather than fork (the benchmark has one caller per trace at a time).
  const save = prepared(
    `WITH last AS (SELECT seq, id FROM ${t('raw_checkpoints')} WHERE trace = $1 ORDER BY seq DESC LIMIT 1) ` +
      `INSERT INTO ${t('raw_checkpoints')} (trace, seq, id, parent_id, created_at, metadata, data) ` +
      'SELECT $1::text, COALESCE((SELECT seq FROM last), 0) + 1, $2::text, (SELECT id FROM last), $3::int8, $4::text, $5::bytea',
  );
  const loadLatest = prepared(`SELECT * FROM ${t('raw_checkpoints')} WHERE trace = $1 ORDER BY seq DESC LIMIT 1`);
  const list = prepared(
    `SELECT trace, seq, id, parent_id, created_at, metadata, length(data) AS size FROM ${t('raw_checkpoints')} ` +
      'WHERE trace = $1 ORDER BY seq DESC LIMIT $2',
  );
  const fill = prepared(
    `INSERT INTO ${t('raw_checkpoints')} (trace, seq, id, parent_id, created_at, metadata, data) ` +
      `SELECT $1::text, g, $2::text || g, CASE WHEN g > 1 THEN $2::text || (g - 1) END, $3::int8, ` +
      `json_build_object('source', 'loop', 'step', g - 1)::text, $4::bytea ` +
      'FROM generate_series($5::int8, $6::int8) AS g',
  );
  let ids = 0;
  const nextId = () => `${Date.now().toString(36)}-${(ids++).toString(36)}`;

  return {
    kv: {
      get: async (i) => (await pool.query(get([KV_KEYS.bytes(i)]))).rows[0]?.v,
      put: (i) => pool.query(put([KV_KEYS.bytes(i), value])),
      putMany: (from, count) => {
        const keys: Buffer[] = [];
        const values: Buffer[] = [];
        for (let i = from; i < from + count; i++) {
          keys.push(KV_KEYS.bytes(i));
          values.push(value);
        }
        return pool.query(putMany([keys, values]));
      },
      scan: async (from, count) => (await pool.query(scan([KV_KEYS.bytes(from), count]))).rowCount,
      counter: async (i) => (await pool.query(bump([COUNTER_KEYSPACE.bytes(i % COUNTER_KEYS)]))).rows[0]?.v,
    },
    checkpoints: {
      save: (trace, step) => pool.query(save([trace, nextId(), Date.now(), JSON.stringify(checkpointMetadata(step)), cpData])),
      loadLatest: async (trace) => {
        const row = (await pool.query(loadLatest([trace]))).rows[0] as { metadata: string } | undefined;
        return row && { ...row, metadata: JSON.parse(row.metadata) };
      },
      list: async (trace, limit) =>
        ((await pool.query(list([trace, limit]))).rows as Array<{ metadata: string }>).map((row) => ({
          ...row,
          metadata: JSON.parse(row.metadata),
        })),
      fill: async (trace, count) => {
        for (let from = 1; from <= count; from += 1000) {
          await pool.query(fill([trace, `fill-${trace}-`, Date.now(), cpData, from, Math.min(count, from + 999)]));
        }
      },
    },
    artifacts: {
      put: (i) => pool.query(putBlob([ARTIFACT_PUT_KEYS.bytes(i), blob])),
      putEvicting: (i) =>
        pool.query(
          putBlobEvicting([ARTIFACT_EVICT_KEYS.bytes(i), blob, i >= BUDGET_BLOBS ? ARTIFACT_EVICT_KEYS.bytes(i - BUDGET_BLOBS) : null]),
        ),
      get: async (i) => (await pool.query(getBlob([ARTIFACT_GET_KEYS.bytes(i % GET_BLOBS)]))).rows[0]?.v,
      fillGets: async () => {
        for (let i = 0; i < GET_BLOBS; i++) await pool.query(putBlob([ARTIFACT_GET_KEYS.bytes(i), blob]));
      },
    },
    close: () => pool.end(),
  };
}

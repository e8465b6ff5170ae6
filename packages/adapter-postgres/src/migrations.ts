import { StoreError } from '@agentstore/core/spi';
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
  {
    version: 2,
    description: 'function agentstore_counter: the bytes core stores for a counter update, for one-statement counters',
    statements: (s) => [counterFunction(s)],
  },
];

/**
 * `agentstore_counter(current, by, threshold, set_to)`: core's `applyCounterUpdate` in SQL. A counter
 * is stored as tag 0x01 then the value as a little-endian float64; it raises ASC01 (not a counter),
 * ASC02 (result past the safe-integer range) or ASC03 (malformed record), which the adapter maps to
 * INVALID_VALUE, INVALID_VALUE and DECODE as core does.
 */
function counterFunction(s: string): string {
  return `CREATE FUNCTION ${s}.agentstore_counter(cur bytea, by_ int8, threshold int8, set_to int8) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
  bits int8 := 0;
  e int;
  m int8;
  v int8 := 0;
  nxt numeric;
  be bytea;
  res bytea := '\\x01'::bytea;
BEGIN
  IF cur IS NOT NULL THEN
    IF length(cur) = 0 OR get_byte(cur, 0) <> 1 THEN
      RAISE EXCEPTION 'the key holds a value that is not a counter' USING ERRCODE = 'ASC01';
    END IF;
    IF length(cur) <> 9 THEN RAISE EXCEPTION 'malformed counter record' USING ERRCODE = 'ASC03'; END IF;
    FOR i IN REVERSE 8..1 LOOP
      bits := (bits << 8) | get_byte(cur, i);
    END LOOP;
    e := ((bits >> 52) & 2047)::int;
    m := bits & 4503599627370495;
    IF e = 0 AND m = 0 THEN
      v := 0;
    ELSIF e < 1023 OR e > 1075 THEN
      RAISE EXCEPTION 'malformed counter record' USING ERRCODE = 'ASC03';
    ELSE
      m := m | 4503599627370496;
      IF (m & ((1::int8 << (1075 - e)) - 1)) <> 0 THEN
        RAISE EXCEPTION 'malformed counter record' USING ERRCODE = 'ASC03';
      END IF;
      v := m >> (1075 - e);
      IF bits < 0 THEN v := -v; END IF;
    END IF;
  END IF;
  nxt := v::numeric + by_;
  IF threshold IS NOT NULL AND ((by_ >= 0 AND nxt > threshold) OR (by_ < 0 AND nxt < threshold)) THEN
    nxt := set_to;
  ELSIF abs(nxt) > 9007199254740991 THEN
    RAISE EXCEPTION 'counter would leave the safe-integer range (%)', nxt USING ERRCODE = 'ASC02';
  END IF;
  be := float8send(nxt::float8);
  FOR i IN REVERSE 7..0 LOOP
    res := res || substring(be FROM i + 1 FOR 1);
  END LOOP;
  RETURN res;
END
$fn$`;
}

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

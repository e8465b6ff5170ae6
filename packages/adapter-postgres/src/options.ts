import { z } from 'zod';

/** PostgreSQL's largest timeout setting (an int of milliseconds). */
const MAX_MS = 2 ** 31 - 1;

/** A schema name this adapter accepts: lower-case, unquoted-safe, at most 63 bytes. */
export const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * True for PostgreSQL's own schemas (`pg_catalog`, `pg_toast`, `pg_temp_*`, any `pg_*`, and
 * `information_schema`), whatever the case and with or without double quotes: PostgreSQL reserves the
 * `pg_` prefix, and a superuser could otherwise create the domain tables among the catalogs.
 */
export function isSystemSchema(name: string): boolean {
  const bare = (name.length >= 2 && name.startsWith('"') && name.endsWith('"') ? name.slice(1, -1) : name).toLowerCase();
  return bare.startsWith('pg_') || bare === 'information_schema';
}

/** Where domains are stored when no `connectionString` is given. */
export const DEFAULT_CONNECTION_STRING = 'postgres://127.0.0.1:5432/postgres';

/** Schema of the PostgreSQL adapter's own domain options (strict; defaults filled). */
export const postgresOptionsSchema = z.strictObject({
  /** libpq-style URL of the database; a password may come from PGPASSWORD or ~/.pgpass instead. */
  connectionString: z.string().min(1).default(DEFAULT_CONNECTION_STRING),
  /** Schema holding the domain tables and the migrations table; created when missing. */
  schema: z
    .string()
    .regex(SCHEMA_PATTERN, 'schema must match ^[a-z_][a-z0-9_]{0,62}$')
    .refine((name) => !isSystemSchema(name), 'schema must not be a system schema (pg_*, information_schema)')
    .default('agentstore'),
  /** Most connections the process's pool for this database and schema opens. */
  poolSize: z.number().int().min(1).max(1000).default(10),
  /** Server-side limit of one statement; a call exceeding it fails with `IO`. */
  statementTimeoutMs: z.number().int().min(100).max(MAX_MS).default(30_000),
  /** Limit for opening a connection (and for waiting for a free one in the pool). */
  connectTimeoutMs: z.number().int().min(100).max(MAX_MS).default(10_000),
  /** How long a commit waits for another transaction's lock (a key partition's or the domain's) before it is retried. */
  lockTimeoutMs: z.number().int().min(10).max(MAX_MS).default(10_000),
  /** Retries of a commit group after a lock timeout, serialization failure or deadlock, then `BUSY`. */
  busyRetries: z.number().int().min(0).max(100).default(3),
  /** `application_name` of the pool's connections, as shown in `pg_stat_activity`. */
  applicationName: z
    .string()
    .max(63)
    .regex(/^[\x20-\x7e]*$/, 'applicationName must be printable ASCII')
    .default('agentstore'),
});

/** Options of a domain routed to PostgreSQL, as a user writes them. */
export type PostgresOptions = z.input<typeof postgresOptionsSchema>;

/** The PostgreSQL options with every default filled. */
export type ResolvedPostgresOptions = z.output<typeof postgresOptionsSchema>;

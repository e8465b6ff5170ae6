import { dataDirPathSchema } from '@agentstore/core/spi';
import { z } from 'zod';

/** SQLite's largest busy timeout (a C int of milliseconds). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Schema of the SQLite adapter's own domain options (strict; defaults filled). */
export const sqliteOptionsSchema = z.strictObject({
  /**
   * File of the domain, relative to `dataDir` and staying inside it; domains without `path` share
   * `<dataDir>/sqlite/agentstore.db`.
   */
  path: dataDirPathSchema.optional(),
  /** How long a write waits for another process's lock before retrying (the busy handler is unfair). */
  busyTimeoutMs: z.number().int().min(0).max(MAX_TIMEOUT_MS).default(30_000),
  /** How many times a commit group is retried after the busy timeout before failing with `BUSY`. */
  busyRetries: z.number().int().min(0).max(100).default(3),
  /** Page cache size of the connection in KiB; SQLite's default (2 MiB) when absent. */
  cacheSizeKb: z.number().int().positive().optional(),
});

/** Options of a domain routed to SQLite, as a user writes them. */
export type SqliteOptions = z.input<typeof sqliteOptionsSchema>;

/** The SQLite options with every default filled. */
export type ResolvedSqliteOptions = z.output<typeof sqliteOptionsSchema>;

/** The options of the shared default file, for looking at it before any domain routed there opened it. */
export const DEFAULT_SQLITE_OPTIONS: ResolvedSqliteOptions = Object.freeze(sqliteOptionsSchema.parse({}));

import { dataDirPathSchema } from '@agentstore/core/spi';
import { z } from 'zod';

/**
 * The LMDB adapter's own domain options (core validates the common ones). Environment-level options
 * (`mapSizeMb`, `maxReaders`, `maxDbs`) are taken from the first domain that opens an environment in
 * this process; later domains sharing it use the environment as it was opened.
 */
export const lmdbOptionsSchema = z
  .object({
    /** Environment directory relative to `dataDir` (default `lmdb`); must stay inside `dataDir`. */
    path: dataDirPathSchema.optional(),
    /** Initial map size in MiB; LMDB grows the map as data grows. */
    mapSizeMb: z
      .number()
      .int()
      .min(1)
      .max(16 * 1024 * 1024)
      .optional(),
    /** Reader slots shared by every process on the environment. */
    maxReaders: z.number().int().min(1).max(32_768).default(126),
    /** Named databases (one per domain) the environment can hold. */
    maxDbs: z.number().int().min(2).max(32_767).default(256),
    /** Longest wait, in ms, before a group of transactions commits, to let more join it (0: next turn). */
    commitDelayMs: z.number().int().min(0).max(1000).default(0),
  })
  .strict();

/** Options of the LMDB adapter, as a user writes them. */
export type LmdbOptions = z.input<typeof lmdbOptionsSchema>;

/** Options of the LMDB adapter after validation, defaults filled. */
export type LmdbResolvedOptions = z.output<typeof lmdbOptionsSchema>;

import { dataDirPathSchema } from '@agentstore/core/spi';
import { z } from 'zod';

/** The level adapter's own domain options (strict: unknown keys are rejected; defaults filled). */
export const levelOptionsSchema = z.strictObject({
  /** LevelDB location relative to dataDir for this domain; default `level` (shared by all domains). */
  path: dataDirPathSchema.optional(),
  /** LevelDB block cache, MiB (applies to the location; its first opener decides). */
  cacheSizeMb: z.number().positive().max(65_536).default(8),
  /** LevelDB write buffer (memtable) size, MiB (applies to the location; its first opener decides). */
  writeBufferSizeMb: z.number().positive().max(4_096).default(4),
  /** Snappy compression of table blocks (applies to the location; its first opener decides). */
  compression: z.boolean().default(true),
});

/** Level adapter options as a user writes them in a route's `options`. */
export type LevelOptions = z.input<typeof levelOptionsSchema>;

/** Level adapter options with defaults filled. */
export type ResolvedLevelOptions = z.output<typeof levelOptionsSchema>;

/** Default location directory below dataDir. */
export const DEFAULT_LOCATION = 'level';

/** The options of the default location, for looking at it before any domain routed there opened it. */
export const DEFAULT_LEVEL_OPTIONS: ResolvedLevelOptions = Object.freeze(levelOptionsSchema.parse({}));

import { z } from 'zod';

/** 64 MiB: the default `maxValueBytes`. */
export const DEFAULT_MAX_VALUE_BYTES = 64 * 1024 * 1024;

/** Schema of the options every adapter accepts, validated by core (SPEC §2). */
export const commonOptionsSchema = z
  .object({
    durability: z.enum(['strict', 'balanced', 'fast']).default('balanced'),
    counters: z.enum(['durable', 'buffered']).default('durable'),
    counterFlushMs: z.number().int().min(1).max(3_600_000).default(1000),
    // `fast` write-behind (SPEC §9.2): a batch commits this long after its first write at the latest…
    fastWindowMs: z.number().int().min(0).max(60_000).default(10),
    // …or as soon as this many writes (calls) wait, whichever comes first.
    fastMaxBatch: z.number().int().min(1).max(1_000_000).default(1000),
    // Capped below 2 GiB: no engine here stores a single value larger than that.
    maxValueBytes: z
      .number()
      .int()
      .min(1)
      .max(2 ** 31 - 1)
      .default(DEFAULT_MAX_VALUE_BYTES),
    // SPEC §9.4: kv records expire `ttlMs` after their write unless the write says otherwise.
    ttlMs: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    refreshOnRead: z.boolean().optional(),
    ttlSweepMs: z.number().int().min(10).max(86_400_000).optional(),
    // SPEC §9.5: journal entries (by commit time) and checkpoints (by save time) older than this go on `prune()`.
    maxAge: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict();

/** The keys of {@link commonOptionsSchema}; every other key belongs to the adapter. */
export const COMMON_OPTION_KEYS: ReadonlySet<string> = new Set(Object.keys(commonOptionsSchema.shape));

import { StoreError } from '@agentstore/core/spi';
import { z } from 'zod';

/** Schema of the Redis adapter's own domain options (strict; defaults filled). */
export const redisOptionsSchema = z.strictObject({
  /** The server: `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  url: z
    .string()
    .regex(/^rediss?:\/\//, 'url must start with redis:// or rediss://')
    .default('redis://127.0.0.1:6379'),
  /**
   * What every key of this store starts with. Default: `agentstore-` and a hash of the store's
   * dataDir, so two stores on one server never mix and every process opening the same dataDir shares
   * the data; set it to share a store between hosts whose dataDir paths differ.
   */
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,100}$/, 'prefix: 1 to 100 of A-Z a-z 0-9 _ . - (no colon: it separates the parts of a key)')
    .optional(),
  /** How long connecting may take before a call fails with `IO`. */
  connectTimeoutMs: z.number().int().min(1).max(600_000).default(5_000),
});

/** Options of a domain routed to Redis, as a user writes them. */
export type RedisOptions = z.input<typeof redisOptionsSchema>;

/** The Redis options with every default filled. */
export type ResolvedRedisOptions = z.output<typeof redisOptionsSchema>;

/** This adapter's options picked out of the merged domain options and parsed (filling defaults). */
export function resolveOptions(options: Readonly<Record<string, unknown>>): ResolvedRedisOptions {
  const own: Record<string, unknown> = {};
  for (const key of Object.keys(redisOptionsSchema.shape)) if (options[key] !== undefined) own[key] = options[key];
  const parsed = redisOptionsSchema.safeParse(own);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: issue.path, message: issue.message, code: issue.code }));
  throw new StoreError('INVALID_OPTIONS', `redis: invalid options: ${parsed.error.message}`, { issues });
}

import { z } from 'zod';
import { isInsideRelativePath } from './relative-path.js';

/**
 * The schema of an adapter's `path` option, one rule for every adapter: a non-empty relative path
 * of at most 1,024 characters that stays below dataDir (no absolute path, no `..`, no NUL). What
 * exists on disk (links, special files) is checked when the adapter resolves it with `DataDir`.
 */
export const dataDirPathSchema = z
  .string()
  .min(1)
  .max(1024)
  .refine(isInsideRelativePath, { message: 'path must be relative and inside dataDir (no `..`, no NUL)' });

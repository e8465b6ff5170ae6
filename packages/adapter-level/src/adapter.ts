import type { Adapter, OpenContext } from '@agentstore/core/spi';
import { LevelAdapterInstance } from './adapter-instance.js';
import { loadClassicLevel } from './native.js';
import { type LevelOptions, levelOptionsSchema, type ResolvedLevelOptions } from './options.js';

/**
 * The `level` adapter: classic-level (LevelDB) storage, one location per dataDir (`<dataDir>/level`)
 * owned by one process, one key prefix per domain, group-committed transactions.
 */
export const levelAdapter: Adapter<LevelOptions, ResolvedLevelOptions> = Object.freeze({
  name: 'level',
  optionsSchema: levelOptionsSchema,
  capabilities: Object.freeze({
    multiProcess: false,
    persistent: true,
    guardedWrites: true,
  }),
  preflight(): void {
    loadClassicLevel();
  },
  async open(ctx: OpenContext) {
    loadClassicLevel();
    return new LevelAdapterInstance(ctx.dataDir, ctx.readOnly === true);
  },
});

import { join } from 'node:path';
import type { Store, StoreConfig } from '@agentstore/core';
import { RedisTestServer, redisServerMissing } from '../../adapter-redis/test/redis-server.js';
import type { Context } from './context.js';
import { agentstoreArtifacts, agentstoreCheckpoints, agentstoreKv, DOMAINS, openBenchStore } from './subjects/agentstore.js';
import { openRawLevel } from './subjects/raw-level.js';
import { openRawLmdb } from './subjects/raw-lmdb.js';
import { rawMemoryArtifacts, rawMemoryCheckpoints, rawMemoryKv } from './subjects/raw-memory.js';
import { dropSchemas, openRawPostgres, ownSchema, PG_URL, postgresUnreachable, runSchema } from './subjects/raw-postgres.js';
import { openRawSqlite } from './subjects/raw-sqlite.js';
import type { ArtifactTarget, CheckpointTarget, KvTarget } from './subjects/types.js';

type AnyAdapter = NonNullable<StoreConfig['adapters']>[number];

/** A backend opened for one run: agentstore on its adapter and the raw driver beside it. */
export interface OpenBackend {
  readonly name: string;
  readonly store: Store;
  readonly kv: KvTarget;
  readonly bufferedKv: KvTarget;
  readonly checkpoints: CheckpointTarget;
  readonly strictCheckpoints: CheckpointTarget;
  readonly artifacts: ArtifactTarget;
  readonly raw: {
    readonly label: string;
    readonly kv: KvTarget;
    readonly checkpoints: CheckpointTarget;
    /** Undefined where durability means nothing (memory). */
    readonly strictCheckpoints: CheckpointTarget | undefined;
    readonly artifacts: ArtifactTarget;
  };
  /** Server and the schema a peer saver may create (postgres only; dropped by `close`). */
  readonly postgres?: { readonly url: string; readonly peerSchema: string };
  close(): Promise<void>;
}

/** Backends in the order they run. */
export const BACKENDS = ['memory', 'sqlite', 'lmdb', 'level', 'postgres', 'redis'] as const;

/** Loads an adapter package by name; a string says why it could not (the section is then skipped). */
export async function loadAdapter(pkg: string, exportName: string): Promise<AnyAdapter | string> {
  try {
    const mod = (await import(pkg)) as Record<string, unknown>;
    const adapter = mod[exportName];
    return adapter && typeof adapter === 'object' ? (adapter as AnyAdapter) : `${pkg} does not export ${exportName} yet`;
  } catch (err) {
    return `${pkg} cannot be loaded (${(err as Error).message.split('\n')[0]})`;
  }
}

/** Opens `name` in a fresh temporary directory; a string says why it cannot run here. */
export async function openBackend(ctx: Context, name: (typeof BACKENDS)[number]): Promise<OpenBackend | string> {
  if (name === 'postgres') {
    const unreachable = await postgresUnreachable(PG_URL);
    if (unreachable) return unreachable;
  }
  if (name === 'redis') return openRedis(ctx);
  const dir = ctx.tempDir(name);
  const adapter = name === 'memory' ? undefined : await loadAdapter(`@agentstore/adapter-${name}`, `${name}Adapter`);
  if (typeof adapter === 'string') return adapter;
  // postgres: a fresh schema per run (agentstore's tables and the raw `raw_*` tables side by side), one
  // more for a peer saver; both dropped when the backend closes.
  const schema = name === 'postgres' ? runSchema() : undefined;
  if (schema) ownSchema(schema);
  const store = await openBenchStore(join(dir, 'agentstore'), name, adapter, schema ? { connectionString: PG_URL, schema } : {});
  const ours = {
    store,
    kv: agentstoreKv(store, DOMAINS.kv, DOMAINS.counters),
    bufferedKv: agentstoreKv(store, DOMAINS.buffered),
    checkpoints: agentstoreCheckpoints(store, DOMAINS.checkpoints),
    strictCheckpoints: agentstoreCheckpoints(store, DOMAINS.strictCheckpoints),
    artifacts: agentstoreArtifacts(store),
  };
  const rawDir = (sub: string) => join(dir, sub);
  switch (name) {
    case 'memory': {
      const raw = {
        label: 'Map',
        kv: rawMemoryKv(),
        checkpoints: rawMemoryCheckpoints(),
        strictCheckpoints: undefined,
        artifacts: rawMemoryArtifacts(),
      };
      return { name, ...ours, raw, close: () => store.close() };
    }
    case 'sqlite': {
      const balanced = openRawSqlite(rawDir('raw.db'), 'NORMAL');
      const strict = openRawSqlite(rawDir('raw-strict.db'), 'FULL');
      const raw = {
        label: 'better-sqlite3',
        kv: balanced.kv,
        checkpoints: balanced.checkpoints,
        strictCheckpoints: strict.checkpoints,
        artifacts: balanced.artifacts,
      };
      return {
        name,
        ...ours,
        raw,
        close: async () => {
          balanced.close();
          strict.close();
          await store.close();
        },
      };
    }
    case 'lmdb': {
      const balanced = openRawLmdb(rawDir('raw-lmdb'), false);
      const strict = openRawLmdb(rawDir('raw-lmdb-strict'), true);
      const raw = {
        label: 'lmdb-js',
        kv: balanced.kv,
        checkpoints: balanced.checkpoints,
        strictCheckpoints: strict.checkpoints,
        artifacts: balanced.artifacts,
      };
      return {
        name,
        ...ours,
        raw,
        close: async () => {
          await Promise.all([balanced.close(), strict.close()]);
          await store.close();
        },
      };
    }
    case 'level': {
      const level = await openRawLevel(rawDir('raw-level'));
      const raw = {
        label: 'classic-level',
        kv: level.kv,
        checkpoints: level.checkpoints,
        strictCheckpoints: level.strictCheckpoints,
        artifacts: level.artifacts,
      };
      return {
        name,
        ...ours,
        raw,
        close: async () => {
          await level.close();
          await store.close();
        },
      };
    }
    case 'postgres': {
      const peerSchema = `${schema}_pgsaver`;
      ownSchema(peerSchema);
      const drop = () => dropSchemas(PG_URL, [schema as string, peerSchema]);
      let pgRaw: Awaited<ReturnType<typeof openRawPostgres>>;
      try {
        pgRaw = await openRawPostgres(PG_URL, schema as string);
      } catch (err) {
        await store.close();
        await drop();
        throw err;
      }
      // Both durabilities commit with synchronous_commit = on on postgres, so one raw pool serves both.
      const raw = {
        label: 'pg',
        kv: pgRaw.kv,
        checkpoints: pgRaw.checkpoints,
        strictCheckpoints: pgRaw.checkpoints,
        artifacts: pgRaw.artifacts,
      };
      return {
        name,
        ...ours,
        raw,
        postgres: { url: PG_URL, peerSchema },
        close: async () => {
          try {
            await pgRaw.close();
            await store.close();
          } finally {
            await drop();
          }
        },
      };
    }
  }
}

/** Stands in for a baseline a backend is not measured on (redis runs the kv section only). */
function notMeasured(): never {
  throw new Error('not measured on this backend');
}

/**
 * Redis: a redis-server of this run (temp dir, free loopback port, AOF with fsync every second, the
 * setting `balanced` needs), agentstore and raw ioredis side by side under different keys. Only the kv
 * section runs on it (main.ts), so the other baselines are placeholders that throw.
 */
async function openRedis(ctx: Context): Promise<OpenBackend | string> {
  const missing = redisServerMissing();
  if (missing !== undefined) return missing;
  const adapter = await loadAdapter('@agentstore/adapter-redis', 'redisAdapter');
  if (typeof adapter === 'string') return adapter;
  // Loaded here, after every other backend ran: ioredis declares a class extending String, and once any
  // such class exists V8 stops inlining `String.prototype` calls process-wide (measured: a 10-character
  // key encoded in ~150 ns instead of ~35 ns before core called a saved charCodeAt).
  const { openRawRedis } = await import('./subjects/raw-redis.js');
  const server = await RedisTestServer.start({ appendfsync: 'everysec' });
  const store = await openBenchStore(join(ctx.tempDir('redis'), 'agentstore'), 'redis', adapter, { url: server.url });
  const raw = await openRawRedis(server.url);
  const checkpoints = agentstoreCheckpoints(store, DOMAINS.checkpoints);
  const rawCheckpoints = { save: notMeasured, loadLatest: notMeasured, list: notMeasured, fill: notMeasured };
  const rawArtifacts = { put: notMeasured, putEvicting: notMeasured, get: notMeasured, fillGets: notMeasured };
  return {
    name: 'redis',
    store,
    kv: agentstoreKv(store, DOMAINS.kv, DOMAINS.counters),
    bufferedKv: agentstoreKv(store, DOMAINS.buffered),
    checkpoints,
    strictCheckpoints: checkpoints,
    artifacts: agentstoreArtifacts(store),
    raw: { label: 'ioredis', kv: raw.kv, checkpoints: rawCheckpoints, strictCheckpoints: undefined, artifacts: rawArtifacts },
    close: async () => {
      try {
        await raw.close();
        await store.close();
      } finally {
        await server.remove();
      }
    },
  };
}

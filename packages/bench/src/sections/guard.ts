import { memoryAdapter } from '@agentstore/core';
import { type Adapter, commonOptionsSchema, type DomainBackend } from '@agentstore/core/spi';
import type { Context } from '../context.js';
import { dropSchemas, ownSchema, PG_URL, postgresUnreachable, runSchema } from '../subjects/raw-postgres.js';
import { runPair } from './pair.js';

/** The migration guard key core reads (`0x00 'moved'`, see core's `migrate/meta-keys.ts`). */
const GUARD = Uint8Array.from([0x00, ...Buffer.from('moved', 'latin1')]);
const VALUE = new Uint8Array(100).fill(7);
const PRELOAD = 2_000;

/**
 * What the migration guard (SPEC §9.1) costs, on the adapter's own backend (the SPI, below core's
 * handles) so that nothing else differs: a write transaction that reads the guard before its put
 * against the same put without it, and a point read that asks for the guard in the same `getMany`
 * against a lone `get`. The rows alternate in one run like every pair.
 */
export async function guardSection(ctx: Context, backend: string): Promise<void> {
  const opened = await openRawBackend(ctx, backend);
  if (typeof opened === 'string') {
    ctx.results.skip(`guard:${backend}`, opened);
    return;
  }
  const { raw, close } = opened;
  try {
    const key = (i: number) => Uint8Array.of(0x20, (i >> 16) & 255, (i >> 8) & 255, i & 255);
    for (let i = 0; i < PRELOAD; i += 500) {
      await raw.transact((tx) => {
        for (let j = i; j < i + 500; j++) tx.put(key(j), VALUE);
      });
    }
    const sizes = backend === 'postgres' ? { put: ctx.sizes.put, get: ctx.sizes.put } : ctx.sizes;
    const pair = { section: 'guard', backend, impl: 'with guard' } as const;
    let next = PRELOAD;
    await runPair(
      ctx,
      {
        ...pair,
        op: 'write transaction: put',
        budget: sizes.put,
        baselineLabel: 'no guard',
        note: 'one tx.get of the guard key before the put',
      },
      () =>
        raw.transact((tx) => {
          if (tx.get(GUARD) !== undefined) throw new Error('guarded');
          tx.put(key(next++), VALUE);
        }),
      () => raw.transact((tx) => tx.put(key(next++), VALUE)),
    );
    await runPair(
      ctx,
      { ...pair, op: 'point read', budget: sizes.get, baselineLabel: 'get', note: 'getMany([key, guard]) against get(key)' },
      async (i) => {
        const [, guard] = await raw.getMany([key(i % PRELOAD), GUARD]);
        if (guard !== undefined) throw new Error('guarded');
      },
      (i) => raw.get(key(i % PRELOAD)),
    );
  } finally {
    await close();
  }
}

/** The adapter's backend for one domain in a fresh directory (postgres: a fresh schema, dropped by `close`). */
async function openRawBackend(ctx: Context, name: string): Promise<{ raw: DomainBackend; close: () => Promise<void> } | string> {
  let adapter: Adapter<Record<string, unknown>> = memoryAdapter as Adapter<Record<string, unknown>>;
  let own: Record<string, unknown> = {};
  let schema: string | undefined;
  if (name !== 'memory') {
    if (name === 'postgres') {
      const unreachable = await postgresUnreachable(PG_URL);
      if (unreachable) return unreachable;
      schema = runSchema();
      ownSchema(schema);
      own = { connectionString: PG_URL, schema };
    }
    try {
      const mod = (await import(`@agentstore/adapter-${name}`)) as Record<string, unknown>;
      adapter = mod[`${name}Adapter`] as Adapter<Record<string, unknown>>;
    } catch (err) {
      return `@agentstore/adapter-${name} cannot be loaded (${(err as Error).message.split('\n')[0]})`;
    }
  }
  const instance = await adapter.open({ dataDir: ctx.tempDir(`guard-${name}`) });
  const options = { ...commonOptionsSchema.parse({}), ...adapter.optionsSchema.parse(own) };
  const raw = await instance.domain('guard', options as never);
  return {
    raw,
    close: async () => {
      await instance.close();
      if (schema) await dropSchemas(PG_URL, [schema]);
    },
  };
}

/**
 * The cases of tests that run on every persistent adapter and on PostgreSQL when it answers: a label,
 * whether the adapter is multi-process, and a store target on a fresh dataDir (and schema).
 */
import { type AdapterUnderTest, persistentAdapters } from './adapters.js';
import { PG_URL, POSTGRES_SOURCE, schemaFor } from './postgres.js';
import type { StoreTarget } from './stores.js';
import type { TempDirs } from './temp-dirs.js';

/** One case: its label, whether its adapter promises exactness across processes, and a fresh target. */
export type StoreCase = readonly [label: string, multiProcess: boolean, target: () => StoreTarget];

/**
 * Every persistent adapter, then PostgreSQL unless `pgDown` says why it cannot run; directories are
 * made by `dirs` under `prefix`, PostgreSQL schemas are recorded in `schemas` for `dropSchemas`.
 */
export function storeCases(dirs: TempDirs, prefix: string, schemas: string[], pgDown: string | undefined): StoreCase[] {
  const embedded: StoreCase[] = persistentAdapters.map(
    (a: AdapterUnderTest) => [a.name, a.adapter.capabilities.multiProcess, () => a.target(dirs.make(`${prefix}-${a.name}`))] as const,
  );
  if (pgDown !== undefined) return embedded;
  const postgres: StoreCase = [
    'postgres',
    true,
    () => {
      const dataDir = dirs.make(`${prefix}-postgres`);
      return { dataDir, source: POSTGRES_SOURCE, options: { connectionString: PG_URL, schema: schemaFor(dataDir, schemas) } };
    },
  ];
  return [...embedded, postgres];
}

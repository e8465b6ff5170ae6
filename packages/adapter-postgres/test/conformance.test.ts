import { runConformance } from '@agentstore/conformance';
import { it } from 'vitest';
import { postgresAdapter } from '../src/index.js';
import { dropSchema, PG_URL, schemaFor, unreachableReason } from './pg-env.js';

// Each test gets its own schema (named after its temp dataDir), dropped after the test.
const skipped = await unreachableReason();
if (skipped === undefined) {
  runConformance({
    name: 'postgres',
    adapter: postgresAdapter,
    options: (dataDir) => ({ connectionString: PG_URL, schema: schemaFor(dataDir) }),
    cleanup: (dataDir) => dropSchema(schemaFor(dataDir)),
  });
} else {
  console.log(`[adapter-postgres] conformance skipped: ${skipped}`);
  it.skip(`conformance: ${skipped}`, () => {});
}

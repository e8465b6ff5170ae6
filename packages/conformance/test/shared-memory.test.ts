import { runConformance } from '../src/index.js';
import { sharedMemoryAdapter } from './support/shared-memory-adapter.js';

// Runs the suite against a test-only adapter that claims `persistent`, so the persistence and
// second-instance specs (skipped for `memory`) are exercised in this package too.
runConformance({ name: 'shared-memory (test adapter)', adapter: sharedMemoryAdapter('shared_memory') });

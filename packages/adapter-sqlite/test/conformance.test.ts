import { runConformance } from '@agentstore/conformance';
import { sqliteAdapter } from '../src/index.js';

runConformance({ name: 'sqlite', adapter: sqliteAdapter });

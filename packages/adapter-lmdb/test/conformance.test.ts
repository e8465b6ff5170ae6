import { runConformance } from '@agentstore/conformance';
import { lmdbAdapter } from '../src/index.js';

runConformance({ name: 'lmdb', adapter: lmdbAdapter });

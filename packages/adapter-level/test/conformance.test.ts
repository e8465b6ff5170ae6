import { runConformance } from '@agentstore/conformance';
import { levelAdapter } from '../src/index.js';

runConformance({ name: 'level', adapter: levelAdapter });

import { memoryAdapter } from '@agentstore/core';
import { runConformance } from '../src/index.js';

runConformance({ name: 'memory', adapter: memoryAdapter });

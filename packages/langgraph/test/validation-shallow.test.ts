import './support/vitest-globals.js';
import { specTest } from '@langchain/langgraph-checkpoint-validation';
import { validationInitializer } from './support/stores.js';

specTest({ ...validationInitializer('sqlite', { shallow: true }), checkpointerName: 'agentstore-sqlite-shallow' });

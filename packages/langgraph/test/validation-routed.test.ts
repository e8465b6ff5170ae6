import './support/vitest-globals.js';
import { validate } from '@langchain/langgraph-checkpoint-validation';
import { validationInitializer } from './support/stores.js';

validate(validationInitializer('routed'));

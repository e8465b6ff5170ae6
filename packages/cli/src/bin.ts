#!/usr/bin/env node
import { run } from './program.js';

// Let stdout drain before exiting (piped exports can be large).
process.exitCode = await run(process.argv);

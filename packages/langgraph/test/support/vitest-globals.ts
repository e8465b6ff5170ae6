// LangGraph's validation suite calls vitest's `describe`, `it`, `expect`, … as globals. Installing
// them here, for the files that import this module first, lets the suite run under the repository's
// vitest config (which keeps `globals` off) as well as under this package's own config.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, test, vi } from 'vitest';

Object.assign(globalThis, { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, test, vi });

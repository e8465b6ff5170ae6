import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources (the `source` export condition), so no build is needed
// between an edit and a test run; `pnpm test` still type-checks and builds first.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // eventsource-parser (imported by the AI SDK) publishes a `source` condition that points at its
    // TypeScript: with the AI SDK inlined, vite compiles that file instead of Node failing on it.
    server: { deps: { inline: ['ai', /@ai-sdk\//, 'eventsource-parser'] } },
  },
});

import { defineConfig } from 'vitest/config';

// Run this package alone with `npx vitest run` from here; the repository's root config runs the same files.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // eventsource-parser (imported by the AI SDK) publishes a `source` condition that points at its
    // TypeScript: with the AI SDK inlined, vite compiles that file instead of Node failing on it.
    server: { deps: { inline: ['ai', /@ai-sdk\//, 'eventsource-parser'] } },
  },
});

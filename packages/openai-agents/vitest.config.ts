import { defineConfig } from 'vitest/config';

// Run this package alone with `npx vitest run` from here; the repository's root config runs the same files.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000, pool: 'forks' },
});

import { defineConfig } from 'vitest/config';

// Run this package alone with `npx vitest run` from here. The repository's root config runs the same
// files: the validation suite's need for vitest globals is met per file (test/support/vitest-globals.ts).
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    globals: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

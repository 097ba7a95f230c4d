import { defineConfig } from 'vitest/config';

// Two projects: fast pure unit tests beside the code, and integration tests over real
// ptys and real processes (they spawn bin/dialbond, so the build runs first).
export default defineConfig({
  test: {
    reporters: ['default', './test/reporters/summary.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Real ptys and subprocesses: keep parallelism modest on a 2-core machine.
          maxConcurrency: 4,
        },
      },
    ],
  },
});

import { defineConfig } from 'vitest/config';

// Fast pure unit tests beside the code, integration tests over real ptys and processes
// (they spawn bin/dialbond, so the build runs first), and the lab suite, which exists
// only inside the lab VM (`npm run test:lab` boots it): real pppd, eql, teql, netns.
const inLab = process.env.DIALBOND_IN_LAB === '1';
// Benchmarks (bench/*.lab.ts) run in the lab too, but only when asked: npm run bench. The
// dialing bench needs no kernel of the lab's and also runs natively (npm run bench:dialing).
const benchHost = process.env.DIALBOND_BENCH_HOST === '1';
const bench = (inLab || benchHost) && process.env.DIALBOND_BENCH === '1';

const lab = {
  test: {
    name: 'lab',
    include: ['test/lab/**/*.test.ts'],
    environment: 'node' as const,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // One kernel, one eql master, one teql0: lab files run one after another.
    fileParallelism: false,
  },
};

export default defineConfig({
  test: {
    reporters: ['default', './test/reporters/summary.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          // the benchmarks' pure parts (tables, statistics) are tested like the product's
          include: ['src/**/*.test.ts', 'bench/lib/**/*.test.ts'],
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
      ...(inLab ? [lab] : []),
      ...(bench ? [{ test: { ...lab.test, name: 'bench', include: ['bench/**/*.lab.ts'], testTimeout: 14_400_000, hookTimeout: 600_000 } }] : []),
    ],
  },
});

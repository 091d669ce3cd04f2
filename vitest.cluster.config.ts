// `npm run test:cluster`: the multi-node test (scripts/cluster/), kept out of `npm test` because it runs a whole
// cluster of processes for a few minutes; one file at a time.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['scripts/cluster/**/*.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{dsp,proto,proto/artifacts,edge,control,bench,dashboard,scripts}/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One PostgreSQL for the run: the control suite runs on it and on SQLite.
    globalSetup: ['control/test/global-postgres.ts'],
    // Two cores: tests that run real-time calls must not starve each other.
    maxWorkers: 2,
  },
});

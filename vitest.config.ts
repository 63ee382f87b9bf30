import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Both cores. Vitest's default is one fewer than the cores, which on the 2-core machines
    // this runs on is one file at a time; most of the suite's time is spent waiting on the
    // servers, CLI processes, PostgreSQL and Chromium it starts, so two files at once nearly
    // halve it (timeouts are sized for a loaded machine).
    maxWorkers: 2,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Kafka and DuckDB tests start real processes and files; keep files isolated.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});

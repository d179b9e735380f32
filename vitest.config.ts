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
    // The tests that open a Kafka bus in their own process run kafkajs there, whose request
    // queue arms a timer for `-1 - Date.now()` ms when nothing is throttled: Node 24 prints a
    // TimeoutNegativeWarning for it (and runs it after 1 ms, as kafkajs meant). The CLI
    // silences the same warning (bin/dropship.js); other warnings are still printed.
    execArgv: ['--disable-warning=TimeoutNegativeWarning'],
  },
});

/**
 * Every numeric and duration option is checked with a sensible minimum, by one helper per
 * side (args.ts for command flags, the config loader for settings), and the error names the
 * flag once, with what was given once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dropship-limits-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const cases: [args: string[], message: RegExp][] = [
  [['task', 'run', '--every', '10ms'], /--every.*must be at least 1 second \(got "10ms"\)/],
  [['task', 'run', '--every', 'abc'], /--every.*must be a duration like "5 seconds"/],
  [['consume', '--progress-seconds', 'abc'], /--progress-seconds.*must be an integer ≥ 1/],
  [['consume', '--progress-seconds', '0'], /--progress-seconds.*must be ≥ 1 \(got "0"\)/],
  [['consume', '--progress-seconds', '-1'], /--progress-seconds.*must be ≥ 1 \(got "-1"\)/],
  [['consume', '--batch-size', '0'], /INGEST_BATCH_SIZE.*must be ≥ 1/],
  [['task', 'history', '--limit', '0'], /--limit.*must be ≥ 1 \(got "0"\)/],
  [['produce', '--rate', 'abc'], /PRODUCE_RATE.*must be a number \(got "abc"\)/],
  [['produce', '--count', '0'], /--count.*must be ≥ 1/],
  [['run', '--port', '70000'], /DASHBOARD_PORT.*must be ≤ 65535/],
  [
    ['generate', '--orders', '100000000000'],
    /--orders 100,000,000,000 is above the maximum of 100,000,000/,
  ],
  [['generate', '--orders', '-5'], /--orders.*must be ≥ 0 \(got "-5"\)/],
];

describe('numeric and duration options', () => {
  for (const [args, message] of cases)
    it(`refuses ${args.join(' ')} with exit 2`, async () => {
      const result = await runCli(args, {
        cwd: root,
        env: {
          KAFKA_BOOTSTRAP_SERVERS: '127.0.0.1:9',
          DUCKDB_PATH: join(root, 'w.duckdb'),
          SEED_DIR: join(root, 'seed'),
        },
      });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      // The given value appears once, not twice.
      const got = /\(got "[^"]*"\)/.exec(result.stderr)?.[0];
      if (got) expect(result.stderr.split(got).length - 1).toBe(1);
    });
});

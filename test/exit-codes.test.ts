/**
 * One exit-code convention for every command (README, "Exit codes"): 0 success, 1 a FAIL or a
 * failed run, 2 bad arguments or configuration, 130 after a clean stop on Ctrl-C (143 SIGTERM).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from './helpers/cli.ts';

let root: string;
let env: Record<string, string>;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dropship-exit-'));
  env = { DUCKDB_PATH: join(root, 'w.duckdb'), SEED_DIR: join(root, 'seed') };
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('exit codes', () => {
  it('2 for an unknown option, whatever the command', async () => {
    for (const command of [['generate'], ['validate'], ['task', 'history'], ['run']]) {
      const result = await runCli([...command, '--no-such-flag'], { cwd: root, env });
      expect(result.code, `${command.join(' ')}: ${result.stderr}`).toBe(2);
    }
  });

  it('2 for bad configuration, in validate as elsewhere', async () => {
    for (const command of [['validate'], ['task', 'history'], ['setup']]) {
      const result = await runCli(command, { cwd: root, env: { ...env, WAREHOUSE: 'oracle' } });
      expect(result.code, `${command.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(/WAREHOUSE.*"duckdb" or "snowflake"/);
    }
  });

  it('1 for the same runtime failure in validate and in other commands (no warehouse set up)', async () => {
    const missing = { ...env, DUCKDB_PATH: join(root, 'absent', 'x.duckdb') };
    const validate = await runCli(['validate'], { cwd: root, env: missing });
    expect(validate.code, validate.stderr).toBe(1);
    const produce = await runCli(['produce', '--mode', 'stream'], {
      cwd: root,
      env: { ...env, KAFKA_BOOTSTRAP_SERVERS: '127.0.0.1:9' },
    });
    expect(produce.code, produce.stderr).toBe(1); // no seed data: "run generate first"
  });

  it('130 after Ctrl-C on a long-running command, 0 when it finishes on its own', async () => {
    const setup = await runCli(['setup'], { cwd: root, env });
    expect(setup.code, setup.stderr).toBe(0);
    const task = startCli(['task', 'run', '--every', '1 second'], { cwd: root, env });
    await new Promise<void>((resolve) =>
      task.child.stderr!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('until stopped')) resolve();
      }),
    );
    task.child.kill('SIGINT');
    const result = await task.result;
    expect(result.code, result.stderr).toBe(130);
    const once = await runCli(['task', 'run'], { cwd: root, env });
    expect(once.code, once.stderr).toBe(0);
  });
});

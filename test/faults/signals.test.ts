/**
 * Fault: SIGINT (Ctrl-C) and SIGTERM sent to every long-running command while it works —
 * generate, produce (replay and stream), consume, task run --every, monitor, run — on a real
 * broker and DuckDB. Each must exit with the README's convention (130 after Ctrl-C, 143 after
 * SIGTERM) and lose nothing: what the producer says it published is on the topic, what the
 * consumer stored is committed, an interrupted generate replaces no seed file, an interrupted
 * run resumes. The Kafka lane ends with validate PASS and PROD = manifest + the streamed orders.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedCli } from '../helpers/cli.ts';
import { kafkaBroker } from '../helpers/kafka-broker.ts';
import { groupOffsets, waitCaughtUp } from '../helpers/pipeline-processes.ts';
import {
  count,
  lane,
  makeSeed,
  pause,
  reconcile,
  reportScenario,
  scale,
  seconds,
  validatePass,
  waitForLine,
  warehouseFigures,
  type FaultSeed,
  type ScenarioRow,
} from './harness.ts';

const broker = await kafkaBroker();
const ORDERS = scale(2000, 10_000);
const EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

let seed: FaultSeed;
beforeAll(async () => {
  seed = await makeSeed('signals', ORDERS, 17);
});
afterAll(async () => {
  await seed?.remove();
});

/** Sends `signal` and returns the exit and how long the command took to stop. */
async function stopWith(started: StartedCli, signal: keyof typeof EXIT) {
  const from = Date.now();
  started.child.kill(signal);
  const result = await started.result;
  expect(result.code, `${signal}: ${result.stderr.slice(-2000)}`).toBe(EXIT[signal]);
  return { ...result, stopMs: Date.now() - from };
}

describe.skipIf(!broker.available)('fault: SIGINT/SIGTERM of every long-running command', () => {
  it('each exits 130 / 143 and loses nothing; the pipeline then reconciles exactly', async () => {
    const startedAt = Date.now();
    const rows: ScenarioRow[] = [];
    const row = (command: string, how: string, events: number, stopMs: number, lost = 0) =>
      rows.push({
        scenario: `\`${command}\``,
        how,
        runs: 1,
        events,
        faults: 1,
        lost,
        doubled: 0,
        recovery: `stopped in ${seconds(stopMs)}`,
      });

    // generate: interrupted, it replaces no seed file (it writes aside, then renames).
    const genDir = join(seed.dir, 'interrupted-seed');
    const l = lane(seed, 'signals', broker.bootstrap);
    const generate = l.start(['generate', '--orders', '5000000', '--output-dir', genDir]);
    await pause(2500);
    const gen = await stopWith(generate, 'SIGINT');
    expect(gen.stderr).toMatch(/no seed files were replaced/);
    const left = existsSync(genDir) ? await readdir(genDir) : [];
    expect(left.filter((n) => /\.(csv|json)$/.test(n))).toEqual([]);
    row(
      'generate --orders 5000000',
      'SIGINT 2.5 s in; no CSV or manifest left half-written',
      0,
      gen.stopMs,
    );

    const setup = await l.cli(['setup']);
    expect(setup.code, setup.stderr).toBe(0);

    // produce --mode replay: SIGTERM mid-replay; what it says it published is on the topic.
    // A topic of its own: a second replay to the same topic would put every event in RAW
    // twice, which validate rightly reports (WARN), so the lane below replays once.
    const p = lane(seed, 'signals-produce', broker.bootstrap);
    const replay = p.start([
      'produce',
      '--mode',
      'replay',
      '--rate',
      String(Math.ceil(ORDERS / 8)),
    ]);
    await waitForLine(replay, /produce \(replay\): ([\d,]+)\//, 60_000, (m) => count(m[1]) > 0);
    const replayStop = await stopWith(replay, 'SIGTERM');
    const [, said] = replayStop.stderr.match(/stopped: published ([\d,]+) events/) ?? [];
    const onTopic = (await groupOffsets(p)).end;
    expect(count(said)).toBe(onTopic);
    expect(onTopic).toBeLessThan(ORDERS);
    row(
      'produce --mode replay',
      `SIGTERM mid-replay: it said "published ${count(said)}", the topic holds ${onTopic}`,
      onTopic,
      replayStop.stopMs,
      count(said) - onTopic,
    );

    // produce --mode stream: SIGINT; its count is on the topic too.
    const stream = l.start(['produce', '--mode', 'stream', '--rate', '50']);
    await waitForLine(stream, /produce \(stream\): ([\d,]+)/, 60_000, (m) => count(m[1]) > 0);
    const streamStop = await stopWith(stream, 'SIGINT');
    const [, live] = streamStop.stderr.match(/stopped: published ([\d,]+) events/) ?? [];
    const liveEvents = count(live);
    expect(liveEvents).toBeGreaterThan(0);
    expect((await groupOffsets(l)).end).toBe(liveEvents);
    row(
      'produce --mode stream',
      `SIGINT while streaming at 50/s: "published ${liveEvents}", all on the topic`,
      liveEvents,
      streamStop.stopMs,
    );

    // The whole replay, then consume.
    const full = await l.cli(['produce', '--mode', 'replay', '--rate', '0']);
    expect(full.code, full.stderr).toBe(0);
    const total = (await groupOffsets(l)).end;

    // consume: SIGINT mid-stream; everything it stored is committed, nothing stored twice.
    const consume = l.start(['consume', '--batch-size', '100', '--progress-seconds', '1']);
    await waitForLine(consume, /RAW rows \+([\d,]+)/, 120_000, (m) => count(m[1]) > 0);
    const consumeStop = await stopWith(consume, 'SIGINT');
    const [, stored] =
      consumeStop.stderr.match(/stopped: [\d,]+ events in [\d,]+ batches, RAW rows \+([\d,]+)/) ??
      [];
    const afterConsume = await warehouseFigures(l.db);
    const { committed } = await groupOffsets(l);
    expect(afterConsume.raw).toBe(count(stored));
    expect(afterConsume.storedOffsets).toBe(committed);
    row(
      'consume',
      `SIGINT after its first rows: RAW ${afterConsume.raw} rows = its "RAW rows +${count(stored)}", Kafka committed ${committed} = offsets stored with RAW`,
      afterConsume.raw,
      consumeStop.stopMs,
    );

    // The rest, without the task, so the scheduled task below has work when it is stopped.
    const rest = l.start(['consume', '--no-task']);
    // Running (its signal handlers installed) before the stop, even when the earlier consumer
    // left nothing to catch up on: a SIGTERM during start-up ends it by default, with no code.
    await waitForLine(rest, /consuming /, 120_000);
    await waitCaughtUp(l, total, 120_000);
    await stopWith(rest, 'SIGTERM');

    // task run --every: SIGTERM; no run is left half-done (RUNNING), PROD holds what it merged.
    const task = l.start(['task', 'run', '--every', '1 second']);
    await waitForLine(task, /task run #\d+ (SUCCEEDED|SKIPPED)/, 60_000);
    const taskStop = await stopWith(task, 'SIGTERM');
    const afterTask = await warehouseFigures(l.db);
    expect(afterTask.merged).toBe(afterTask.raw);
    row(
      'task run --every 1 second',
      `SIGTERM between runs: the stream offset is at RAW's end (${afterTask.merged}), no run left open`,
      afterTask.raw,
      taskStop.stopMs,
    );

    // monitor: SIGINT while serving.
    const monitor = l.start(['monitor'], { DASHBOARD_PORT: '0' });
    const [, url] = await waitForLine(monitor, /dashboard: (http:\/\/\S+)/, 60_000);
    const health = (await (await fetch(new URL('/api/health', url))).json()) as {
      prod_orders: number;
    };
    const monitorStop = await stopWith(monitor, 'SIGINT');
    row(
      'monitor',
      `SIGINT while serving (/api/health answered PROD ${health.prod_orders})`,
      0,
      monitorStop.stopMs,
    );

    const { lost, doubled } = await reconcile(l, seed, liveEvents);
    await validatePass(l);
    expect(lost + doubled).toBe(0);

    // run (in-process bus): SIGTERM mid-replay, then run --once resumes to PROD = manifest.
    const r = lane(seed, 'signals-run', broker.bootstrap);
    const inProcess = { KAFKA_BOOTSTRAP_SERVERS: '', RUN_RATE: String(Math.ceil(ORDERS / 6)) };
    const run = r.start(['run', '--no-dashboard'], inProcess);
    await waitForLine(run, /warehouse .* ready/, 120_000);
    await pause(2000);
    const runStop = await stopWith(run, 'SIGTERM');
    const partial = await warehouseFigures(r.db);
    expect(partial.raw).toBeGreaterThan(0);
    expect(partial.raw).toBeLessThan(ORDERS);
    expect(partial.merged).toBe(partial.raw);
    const resumed = await r.cli(['run', '--once'], { KAFKA_BOOTSTRAP_SERVERS: '' });
    expect(resumed.code, resumed.stderr).toBe(0);
    const runEnd = await reconcile(r, seed);
    await validatePass(r);
    row(
      'run',
      `SIGTERM mid-replay (RAW ${partial.raw}, all merged), then \`run --once\` resumes`,
      ORDERS,
      runStop.stopMs,
      runEnd.lost,
    );

    reportScenario(
      'signals',
      'SIGINT/SIGTERM of every long-running command',
      rows,
      [
        `Every command exited 130 after SIGINT and 143 after SIGTERM (README, Exit codes).`,
        `Kafka lane: ${total} records on the topic (${liveEvents} streamed events: live orders and their lifecycle steps, then the replay), PROD = ${ORDERS} manifest orders + the live ones, lost ${lost}, doubled ${doubled}.`,
      ],
      startedAt,
    );
  }, 900_000);
});

/**
 * Fault: the consumer SIGKILLed at random points, several times in one replay (real broker,
 * DuckDB; consume runs the task, so a kill can land in a batch, between the RAW write and the
 * offset commit, or in the task's MERGE). Each kill comes a seeded random delay after the
 * consumer printed rows it wrote to RAW itself, while the replay is still being published.
 * After each kill the test reads where it landed: RAW's stored offsets ahead of the group's
 * committed offsets on the broker = between the RAW write and the Kafka commit; RAW rows not
 * merged by the task = before or during a MERGE.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayedEvents } from '../../src/domain/manifest.ts';
import { kafkaBroker } from '../helpers/kafka-broker.ts';
import { groupOffsets, waitCaughtUp } from '../helpers/pipeline-processes.ts';
import {
  count,
  lane,
  makeSeed,
  pause,
  reconcile,
  reportScenario,
  rounds,
  scale,
  seconds,
  seeded,
  validatePass,
  waitCommitted,
  waitForLine,
  warehouseFigures,
  type FaultSeed,
} from './harness.ts';

const broker = await kafkaBroker();
const ORDERS = scale(3000, 20_000);
const KILLS = rounds(3, 8);
const SEED = 16;
/**
 * Each kill cycle (start, first rows, random delay, kill) takes a few seconds here; under the
 * full suite's load up to 12–15 s (measured), and the replay must outlast the last kill.
 */
const SECONDS_PER_KILL = scale(8, 16);

let seed: FaultSeed;
beforeAll(async () => {
  seed = await makeSeed('kill', ORDERS, SEED);
});
afterAll(async () => {
  await seed?.remove();
});

describe.skipIf(!broker.available)('fault: consumer SIGKILLed at random points', () => {
  it(`${KILLS} kills in one replay of ${ORDERS} orders: validate PASS, PROD = manifest, RAW once per record`, async () => {
    const startedAt = Date.now();
    const l = lane(seed, 'kill', broker.bootstrap);
    const setup = await l.cli(['setup']);
    expect(setup.code, setup.stderr).toBe(0);
    // Slow enough that the replay is still being published when the last kill lands.
    const rate = Math.ceil(ORDERS / (KILLS * SECONDS_PER_KILL + 4));
    const produce = l.start(['produce', '--mode', 'replay', '--rate', String(rate)]);
    const consumeArgs = ['consume', '--batch-size', '200', '--batch-wait-ms', '50'];
    const random = seeded(SEED);
    const kills: { ownRows: number; delayMs: number; landed: string; midReplay: boolean }[] = [];
    for (let k = 0; k < KILLS; k += 1) {
      const consumer = l.start([...consumeArgs, '--progress-seconds', '1']);
      // The consumer's own count: rows this process wrote to RAW (not earlier ones).
      const [, own] = await waitForLine(
        consumer,
        /RAW rows \+([\d,]+)/,
        120_000,
        (m) => count(m[1]) > 0,
      );
      const delayMs = Math.floor(random() * 1500);
      await pause(delayMs);
      const midReplay = produce.child.exitCode === null;
      consumer.child.kill('SIGKILL');
      const killed = await consumer.result;
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      // Where it landed, read from the broker and the warehouse the dead process let go of.
      const [{ committed }, w] = await Promise.all([groupOffsets(l), warehouseFigures(l.db)]);
      const landed = [
        w.storedOffsets > committed
          ? `RAW written, Kafka commit missing for ${w.storedOffsets - committed} records`
          : 'RAW and Kafka commit in step',
        w.raw > w.merged ? `${w.raw - w.merged} RAW rows not merged` : 'task caught up',
      ].join('; ');
      kills.push({ ownRows: count(own), delayMs, landed, midReplay });
    }
    // Every kill came after the consumer had written rows of its own, during the replay.
    expect(kills.map((k) => k.ownRows > 0)).toEqual(kills.map(() => true));
    expect(kills.map((k) => k.midReplay)).toEqual(kills.map(() => true));

    // Recovery: from the restart until the group has committed what was on the topic then.
    const recoverFrom = Date.now();
    const { end: atRestart } = await groupOffsets(l);
    const last = l.start(consumeArgs);
    await waitCommitted(l, atRestart);
    const recoveryMs = Date.now() - recoverFrom;
    const produced = await produce.result;
    expect(produced.code, produced.stderr).toBe(0);
    expect(produced.stderr).toMatch(
      new RegExp(`published ${replayedEvents(seed.manifest).toLocaleString('en-US')} events`),
    );
    await waitCaughtUp(l, ORDERS, 240_000);
    last.child.kill('SIGINT');
    const stopped = await last.result;
    expect(stopped.code, stopped.stderr).toBe(130);

    const { lost, doubled, figures } = await reconcile(l, seed);
    await validatePass(l);
    reportScenario(
      'consumer-kill',
      'consumer SIGKILLed at random points',
      [
        {
          scenario: 'consumer SIGKILLed at random points',
          how: `\`consume\` (batches of 200, task every 1 s) killed with SIGKILL ${KILLS} times while \`produce --mode replay --rate ${rate}\` publishes, each at a seeded random delay (0–1.5 s, seed ${SEED}) after it printed RAW rows it wrote itself; a last consumer catches up`,
          runs: KILLS + 1,
          events: ORDERS,
          faults: KILLS,
          lost,
          doubled,
          recovery: `${seconds(recoveryMs)} from the restart to the group committing the ${atRestart} records on the topic then`,
        },
      ],
      [
        ...kills.map(
          (k, i) =>
            `kill ${i + 1}: ${k.delayMs} ms after the consumer reported ${k.ownRows} rows of its own; landed: ${k.landed}.`,
        ),
        `At the end: RAW ${figures.raw} rows for ${figures.rawRecords} bus records, PROD ${figures.prod} orders (${figures.prodDistinct} distinct), revenue ${(figures.prodCents / 100).toFixed(2)} EUR = manifest.`,
      ],
      startedAt,
    );
  }, 900_000);
});

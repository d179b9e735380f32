/**
 * Fault: the broker stopped and restarted during produce, then during consume. A broker of the
 * test's own (own ports and data dir, same jars: startPrivateBroker), so the shared one and the
 * other test files are never disturbed. The producer must finish its replay across the outage
 * (retries, nothing lost; a record sent twice across the outage is one order in PROD), and the
 * consumer must reconnect and commit everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayedEvents } from '../../src/domain/manifest.ts';
import {
  kafkaBroker,
  privateBrokerSkipReason,
  startPrivateBroker,
  type PrivateBroker,
} from '../helpers/kafka-broker.ts';
import { waitCaughtUp } from '../helpers/pipeline-processes.ts';
import {
  count,
  lane,
  makeSeed,
  offsetsOf,
  pause,
  reconcile,
  reportScenario,
  rounds,
  scale,
  seconds,
  validatePass,
  waitForLine,
  type FaultSeed,
  type ScenarioRow,
} from './harness.ts';

const broker = await kafkaBroker();
const problem = await privateBrokerSkipReason(broker, 'broker-restart fault');
const ORDERS = scale(3000, 15_000);
const RESTARTS = rounds(1, 2);
const DOWN_MS = 2000;

let seed: FaultSeed;
let own: PrivateBroker | undefined;
beforeAll(async () => {
  if (problem) return;
  seed = await makeSeed('broker', ORDERS, 21);
  own = await startPrivateBroker();
}, 300_000);
afterAll(async () => {
  await own?.destroy();
  await seed?.remove();
});

/** Stops the broker for DOWN_MS; returns when it answers again, with the outage's length. */
async function restart(b: PrivateBroker): Promise<{ downMs: number; backAt: number }> {
  const from = Date.now();
  await b.stop();
  await pause(DOWN_MS);
  await b.start();
  return { downMs: Date.now() - from, backAt: Date.now() };
}

describe.skipIf(problem !== null)('fault: the broker restarted during produce and consume', () => {
  it(`${RESTARTS} restart(s) during a replay, then ${RESTARTS} during the ingest: PROD = manifest`, async () => {
    const startedAt = Date.now();
    const b = own!;
    const l = lane(seed, 'broker', b.bootstrap);
    const rows: ScenarioRow[] = [];
    const setup = await l.cli(['setup']);
    expect(setup.code, setup.stderr).toBe(0);

    // During produce: the replay runs on through each outage.
    const rate = Math.ceil(ORDERS / (RESTARTS * 25 + 10));
    const produce = l.start(['produce', '--mode', 'replay', '--rate', String(rate)]);
    const outages: { downMs: number; onTopic: number }[] = [];
    let produceBackAt = 0;
    for (let r = 0; r < RESTARTS; r += 1) {
      await waitForLine(produce, /produce \(replay\): ([\d,]+)\//, 120_000, (m) => count(m[1]) > 0);
      const onTopic = (await offsetsOf(l)).end;
      const { downMs, backAt } = await restart(b);
      produceBackAt = backAt;
      // Still publishing when the broker went away and came back.
      expect(onTopic).toBeLessThan(ORDERS);
      outages.push({ downMs, onTopic });
    }
    const produced = await produce.result;
    expect(produced.code, produced.stderr).toBe(0);
    expect(produced.stderr).toMatch(
      new RegExp(`published ${replayedEvents(seed.manifest).toLocaleString('en-US')} events`),
    );
    const produceRecoveryMs = Date.now() - produceBackAt;
    const records = (await offsetsOf(l)).end;
    expect(records).toBeGreaterThanOrEqual(ORDERS);
    rows.push({
      scenario: 'broker restarted during produce',
      how: `\`produce --mode replay --rate ${rate}\` to a private broker, stopped for ${DOWN_MS / 1000} s (+ its restart) ${RESTARTS} time(s) mid-replay (records on the topic then: ${outages.map((o) => o.onTopic).join(', ')})`,
      runs: 1,
      events: ORDERS,
      faults: RESTARTS,
      lost: 0,
      doubled: 0,
      recovery: `${seconds(produceRecoveryMs)} from the broker back to the replay done; outages ${outages.map((o) => seconds(o.downMs)).join(', ')}; ${records - ORDERS} records sent twice`,
    });

    // During consume: the consumer reconnects and commits everything.
    const consumer = l.start(['consume', '--batch-size', '100', '--progress-seconds', '1']);
    const consumeOutages: number[] = [];
    let committedAt: number[] = [];
    let consumeRecoveryMs = 0;
    for (let r = 0; r < RESTARTS; r += 1) {
      await waitForLine(consumer, /RAW rows \+([\d,]+)/, 120_000, (m) => count(m[1]) > 0);
      const { committed } = await offsetsOf(l);
      committedAt.push(committed);
      const { downMs, backAt } = await restart(b);
      consumeOutages.push(downMs);
      if (r === RESTARTS - 1) {
        await waitCaughtUp(l, records, 180_000);
        consumeRecoveryMs = Date.now() - backAt;
      }
    }
    committedAt = committedAt.filter((c) => c < records);
    consumer.child.kill('SIGINT');
    const stopped = await consumer.result;
    expect(stopped.code, stopped.stderr.slice(-3000)).toBe(130);
    const { lost, doubled, figures } = await reconcile(l, seed);
    await validatePass(l);
    rows[0]!.lost = lost;
    rows[0]!.doubled = doubled;
    rows.push({
      scenario: 'broker restarted during consume',
      how: `\`consume\` (batches of 100) of the ${records} records; the broker stopped for ${DOWN_MS / 1000} s ${RESTARTS} time(s) once it had written rows (committed then: ${committedAt.join(', ') || 'all'})`,
      runs: 1,
      events: records,
      faults: RESTARTS,
      lost,
      doubled,
      recovery: `${seconds(consumeRecoveryMs)} from the broker back to every record committed; outages ${consumeOutages.map(seconds).join(', ')}`,
    });
    reportScenario(
      'broker',
      'the broker restarted during produce and consume',
      rows,
      [
        `RAW ${figures.raw} rows for ${figures.rawRecords} bus records (${figures.rawEvents} distinct events), PROD ${figures.prod} orders = manifest.`,
        'lost/doubled of the produce row are measured at the end, in PROD, like those of the consume row.',
      ],
      startedAt,
    );
  }, 900_000);
});

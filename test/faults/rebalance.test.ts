/**
 * Fault: rebalances in the middle of the stream. While a replay is published, a second and a
 * third consumer join the group of the first, then leave, one after the other: each join and
 * each leave moves partitions between members (real broker, DuckDB; the members run in the
 * test process because DuckDB allows one process per file). Every member must have written
 * batches of its own, and PROD must hold every order once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaBroker } from '../helpers/kafka-broker.ts';
import { groupOffsets, waitCaughtUp } from '../helpers/pipeline-processes.ts';
import {
  inProcessPipeline,
  lane,
  makeSeed,
  pause,
  reconcile,
  reportScenario,
  rounds,
  scale,
  seconds,
  validatePass,
  waitCommitted,
  type FaultSeed,
} from './harness.ts';

const broker = await kafkaBroker();
const ORDERS = scale(4000, 20_000);
/** Join/leave cycles of the second and third consumers. */
const CYCLES = rounds(1, 3);
/** How long each membership step lasts: long enough for a rebalance and some batches. */
const STEP_MS = 5000;

let seed: FaultSeed;
beforeAll(async () => {
  seed = await makeSeed('rebalance', ORDERS, 19);
});
afterAll(async () => {
  await seed?.remove();
});

describe.skipIf(!broker.available)('fault: consumers join and leave mid-stream', () => {
  it(`${CYCLES} cycle(s) of a second and third consumer joining and leaving: PROD = manifest`, async () => {
    const startedAt = Date.now();
    const l = lane(seed, 'rebalance', broker.bootstrap);
    const setup = await l.cli(['setup']);
    expect(setup.code, setup.stderr).toBe(0);
    const steps = CYCLES * 4;
    const rate = Math.ceil(ORDERS / ((steps * STEP_MS) / 1000 + 6));
    const produce = l.start(['produce', '--mode', 'replay', '--rate', String(rate)]);
    const p = await inProcessPipeline(l);
    // Batches and records by member: 0 stays; 1 and 2 join and leave in each cycle.
    const batches = [0, 0, 0];
    const records = [0, 0, 0];
    const count = (i: number) => (n: number) => {
      batches[i]! += 1;
      records[i]! += n;
    };
    const steady = p.member(count(0));
    const joinedWith: number[] = [];
    let lagAtLastLeave = 0;
    let recoveryMs = 0;
    try {
      for (let c = 0; c < CYCLES; c += 1) {
        const before = [...batches];
        const second = p.member(count(1));
        await pause(STEP_MS);
        const third = p.member(count(2));
        await pause(STEP_MS);
        await second.stop();
        await pause(STEP_MS);
        await third.stop();
        // Recovery: until the group has committed what was on the topic at the last leave.
        const lastLeaveAt = Date.now();
        const o = await groupOffsets(l);
        lagAtLastLeave = o.end - o.committed;
        await waitCommitted(l, o.end);
        recoveryMs = Date.now() - lastLeaveAt;
        // Each joiner wrote batches of its own during the cycle.
        expect(batches[1]!, `cycle ${c + 1}: second consumer's batches`).toBeGreaterThan(
          before[1]!,
        );
        expect(batches[2]!, `cycle ${c + 1}: third consumer's batches`).toBeGreaterThan(before[2]!);
        joinedWith.push(batches[1]! - before[1]!, batches[2]! - before[2]!);
        await pause(STEP_MS);
      }
      const produced = await produce.result;
      expect(produced.code, produced.stderr).toBe(0);
      await waitCaughtUp(l, ORDERS, 120_000);
      await steady.stop();
      await p.close();

      const { lost, doubled, figures } = await reconcile(l, seed);
      await validatePass(l);
      expect(records.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(ORDERS);
      reportScenario(
        'rebalance',
        'consumers join and leave mid-stream',
        [
          {
            scenario: 'rebalance: 2nd and 3rd consumer join and leave',
            how: `while \`produce --mode replay --rate ${rate}\` publishes to 3 partitions, a second consumer of the group joins, ${STEP_MS / 1000} s later a third, then they leave one after the other (${CYCLES} cycle(s)); 4 rebalances per cycle`,
            runs: 3,
            events: ORDERS,
            faults: CYCLES * 4,
            lost,
            doubled,
            recovery: `${seconds(recoveryMs)} from the last leave (lag ${lagAtLastLeave}) to the group committing what was on the topic then`,
          },
        ],
        [
          `Batches by member: first ${batches[0]} (${records[0]} records), second ${batches[1]} (${records[1]}), third ${batches[2]} (${records[2]}); records delivered ${records.reduce((a, b) => a + b, 0)} for ${ORDERS} on the topic (a redelivery after a rebalance is skipped by RAW's stored offsets: RAW ${figures.raw} rows).`,
        ],
        startedAt,
      );
    } finally {
      await p.close().catch(() => undefined);
    }
  }, 600_000);
});

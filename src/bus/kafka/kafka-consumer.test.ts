/**
 * The consumer's offset commit follows the pipeline's retry policy (RETRY.offsetCommit), with
 * kafkajs's own error classes: what it marks retriable is retried with growing delays, a
 * rebalance is not (the partition may be another member's now). The commit itself, on a real
 * broker, is tested in test/kafka-*.test.ts.
 */
import * as kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { recordingWaits, RETRY } from '../../pipeline/retry.ts';
import { commitOffsets } from './kafka-consumer.ts';

const brokers = ['127.0.0.1:9092'];

describe('committing offsets (commitOffsets, under RETRY.offsetCommit)', () => {
  const KafkaJSProtocolError = kafkajs.KafkaJSProtocolError as unknown as new (
    e: unknown,
  ) => Error & { retriable: boolean; type: string };
  /** kafkajs's protocol error as its decoder builds it from a broker's error code. */
  const protocolError = (type: string, code: number, retriable: boolean) =>
    new KafkaJSProtocolError({ type, code, retriable, message: type.toLowerCase() });
  function committing(...errors: Error[]) {
    let calls = 0;
    return {
      commit: async () => {
        const error = errors[calls++];
        if (error) throw error;
      },
      calls: () => calls,
    };
  }
  const recorded = () => recordingWaits(RETRY.offsetCommit);
  const what = { doing: 'committing offsets of t (group g)', brokers };

  it('retries what kafkajs marks retriable, with growing delays', async () => {
    const timedOut = protocolError('REQUEST_TIMED_OUT', 7, true);
    const c = committing(timedOut, timedOut);
    const { policy, waits } = recorded();
    await commitOffsets(c.commit, what, policy);
    expect([c.calls(), waits]).toEqual([3, [200, 400]]);
  });

  it('does not retry a rebalance, though kafkajs marks it retriable: the partition moved on', async () => {
    const rebalance = protocolError('REBALANCE_IN_PROGRESS', 27, true);
    expect(rebalance.retriable).toBe(true);
    const c = committing(rebalance, rebalance);
    const { policy, waits } = recorded();
    await expect(commitOffsets(c.commit, what, policy)).rejects.toMatchObject({
      code: 'BUS_ERROR',
      transient: false,
      message: expect.stringMatching(/rebalanced while committing offsets of t/),
    });
    expect([c.calls(), waits]).toEqual([1, []]);
  });
});

import * as platformatic from '@platformatic/kafka';
import * as kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { hasProtocolError, isBrokerLost, rootMessage, toPipelineError } from './errors.ts';

const brokers = ['127.0.0.1:9092'];

/** kafkajs's own error classes, built as kafkajs builds them (its typings omit `cause`). */
type ErrorClass = new (e: unknown, options?: object) => Error & { retriable: boolean };
const KafkaJSConnectionError = kafkajs.KafkaJSConnectionError as unknown as ErrorClass;
const KafkaJSGroupCoordinatorNotFound =
  kafkajs.KafkaJSGroupCoordinatorNotFound as unknown as ErrorClass;
const KafkaJSNonRetriableError = kafkajs.KafkaJSNonRetriableError as unknown as ErrorClass;
const KafkaJSNumberOfRetriesExceeded =
  kafkajs.KafkaJSNumberOfRetriesExceeded as unknown as ErrorClass;

describe('kafkajs errors', () => {
  // kafkajs throws this one as non-retriable, and does not restart its consumer after it,
  // when every broker it asked for the group coordinator failed: seen when the broker restarts.
  const coordinatorLost = new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator');

  it('replaces the consumer on a lost group coordinator, though kafkajs marks it non-retriable', () => {
    expect(coordinatorLost.retriable).toBe(false);
    expect(isBrokerLost(coordinatorLost)).toBe(true);
    const wrapped = new KafkaJSNonRetriableError(coordinatorLost, { cause: coordinatorLost });
    expect(isBrokerLost(wrapped)).toBe(true);
    // Not necessarily a broker that is down (kafkajs also throws it when every broker refused
    // the group): transient, without the "start a broker" hint.
    const error = toPipelineError(coordinatorLost, 'consuming t', brokers);
    expect(error.code).toBe('BUS_ERROR');
    expect(error.transient).toBe(true);
    expect(error.hint).toMatch(/KAFKA_GROUP_ID/);
  });

  it('finds the connection error inside "number of retries exceeded"', () => {
    const refused = new KafkaJSConnectionError(
      'Connection error: connect ECONNREFUSED 127.0.0.1:9092',
    );
    const exhausted = new KafkaJSNumberOfRetriesExceeded(refused, {
      retryCount: 5,
      cause: refused,
    });
    expect(isBrokerLost(exhausted)).toBe(true);
    expect(rootMessage(exhausted)).toBe('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
  });

  it('does not count other non-retriable errors as a lost broker', () => {
    const denied = new KafkaJSNonRetriableError('Not authorized to access group');
    expect(isBrokerLost(denied)).toBe(false);
    const error = toPipelineError(denied, 'consuming t', brokers);
    expect(error.code).toBe('BUS_ERROR');
    expect(error.transient).toBe(false);
  });

  describe('from @platformatic/kafka (the producer)', () => {
    const refused = () =>
      new platformatic.NetworkError('Connection to 127.0.0.1:9092 failed.', {
        cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), {
          code: 'ECONNREFUSED',
        }),
      });
    const refusal = (id: string) =>
      new platformatic.ResponseError(
        0,
        11,
        { '/responses/0/partition_responses/0': [platformatic.protocolErrors[id]!.code, null] },
        {},
      );
    const attempts = (...errors: Error[]) =>
      new platformatic.MultipleErrors('Producing messages failed.', [
        new platformatic.MultipleErrors(`produce failed ${errors.length} times.`, errors),
      ]);

    it('a broker that stays away is BUS_UNAVAILABLE, transient', () => {
      const error = toPipelineError(attempts(refused(), refused()), 'publishing', brokers);
      expect(error.code).toBe('BUS_UNAVAILABLE');
      expect(error.transient).toBe(true);
      expect(error.message).toMatch(/ECONNREFUSED/);
    });

    it('the last attempt decides: a refusal after a network error is a refusal, not retried', () => {
      const error = toPipelineError(
        attempts(refused(), refusal('MESSAGE_TOO_LARGE')),
        'publishing',
        brokers,
      );
      expect(error.code).toBe('BUS_ERROR');
      expect(error.transient).toBe(false);
      expect(error.message).toMatch(/larger than the max message size/);
    });

    it('a retriable refusal (the leader moved) is transient; the sequence errors are found', () => {
      const moved = toPipelineError(
        attempts(refusal('NOT_LEADER_OR_FOLLOWER')),
        'publishing',
        brokers,
      );
      expect(moved.code).toBe('BUS_ERROR');
      expect(moved.transient).toBe(true);
      const sequence = attempts(refusal('OUT_OF_ORDER_SEQUENCE_NUMBER'));
      expect(hasProtocolError(sequence, 'OUT_OF_ORDER_SEQUENCE_NUMBER')).toBe(true);
      expect(hasProtocolError(sequence, 'UNKNOWN_PRODUCER_ID')).toBe(false);
    });
  });
});

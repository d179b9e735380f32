import * as kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isBrokerLost, rootMessage, toPipelineError } from './errors.ts';

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

  it('counts a lost group coordinator as a lost broker, even though kafkajs marks it non-retriable', () => {
    expect(coordinatorLost.retriable).toBe(false);
    expect(isBrokerLost(coordinatorLost)).toBe(true);
    const wrapped = new KafkaJSNonRetriableError(coordinatorLost, { cause: coordinatorLost });
    expect(isBrokerLost(wrapped)).toBe(true);
    const error = toPipelineError(coordinatorLost, 'consuming t', brokers);
    expect(error.code).toBe('BUS_UNAVAILABLE');
    expect(error.transient).toBe(true);
    expect(error.hint).toMatch(/kafka:up/);
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
});

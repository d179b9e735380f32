/**
 * The producer's own ordering rule, without a broker (the Kafka behaviour itself is tested on
 * a real broker in test/kafka-*.test.ts): batches go out one at a time in `send` order, and
 * when one fails for good the batches already queued behind it fail with it instead of
 * overtaking it, while a send made afterwards (a retry) goes ahead.
 */
import { expect, it } from 'vitest';
import { KafkaBusProducer, type ProducerClient } from './kafka-producer.ts';

/** A client that records what is sent and fails batch "B" once. */
function recordingClient() {
  const sent: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let failB = true;
  const client: ProducerClient = {
    connect: async () => undefined,
    close: async () => undefined,
    send: async (messages) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      const key = messages[0]!.key;
      if (key === 'B' && failB) {
        failB = false;
        throw new Error('the broker refused batch B');
      }
      sent.push(key);
    },
  };
  return { client, sent, maxInFlight: () => maxInFlight };
}

it('sends batches one at a time in order; a failure fails the batches queued behind it', async () => {
  const { client, sent, maxInFlight } = recordingClient();
  const producer = await KafkaBusProducer.connect(() => client, 'orders_topic', {
    brokers: ['127.0.0.1:9092'],
  });
  const batch = (key: string) => [{ key, value: `{"id":"${key}"}` }];
  const results = await Promise.allSettled(
    ['A', 'B', 'C', 'D'].map((k) => producer.send(batch(k))),
  );
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected']);
  expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/refused batch B/);
  expect(sent).toEqual(['A']);
  expect(maxInFlight()).toBe(1);

  // The caller saw the failure and sends again: that goes ahead, in order.
  await producer.send(batch('B'));
  await producer.send(batch('C'));
  expect(sent).toEqual(['A', 'B', 'C']);
  await producer.close();
});

/**
 * The producer's own ordering rule, without a broker (the Kafka behaviour itself is tested on
 * a real broker in test/kafka-*.test.ts): batches go out one at a time in `send` order, and
 * when one fails for good the batches already queued behind it fail with it instead of
 * overtaking it, while a send made afterwards (a retry) goes ahead.
 */
import { describe, expect, it } from 'vitest';
import { recordingWaits, RETRY } from '../../pipeline/retry.ts';
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

it('renews the producer on a refused sequence, and waits for a broker that is still away', async () => {
  const sequenceRefused = Object.assign(new Error('out of order'), {
    apiId: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
    canRetry: false,
  });
  const brokerAway = Object.assign(new Error('Connection to 127.0.0.1:9092 failed.'), {
    code: 'PLT_KFK_NETWORK',
  });
  const created: { closed: boolean; sent: number }[] = [];
  // The first client's send is refused; the second cannot connect (the broker is restarting);
  // the third works.
  const createClient = (): ProducerClient => {
    const n = created.length;
    const state = { closed: false, sent: 0 };
    created.push(state);
    return {
      connect: async () => {
        if (n === 1) throw brokerAway;
      },
      close: async () => {
        state.closed = true;
      },
      send: async (messages) => {
        if (n === 0) throw sequenceRefused;
        state.sent += messages.length;
      },
    };
  };
  const logged: string[] = [];
  const producer = await KafkaBusProducer.connect(createClient, 'orders_topic', {
    brokers: ['127.0.0.1:9092'],
    log: (m) => logged.push(m),
  });
  await producer.send([{ key: 'A', value: '{}' }]);
  expect(created.map((c) => c.sent)).toEqual([0, 0, 1]);
  // The client that could not connect was closed, and so was the one it replaces.
  expect(created.map((c) => c.closed)).toEqual([true, true, false]);
  expect(logged.some((m) => /cannot reach the Kafka broker .* retrying in/.test(m))).toBe(true);
  await producer.close();
  expect(created[2]!.closed).toBe(true);
});

describe('retries under RETRY.producer', () => {
  /** A client whose sends fail with `errors` in turn, then succeed. */
  function clientFailing(...errors: Error[]) {
    let sends = 0;
    const client: ProducerClient = {
      connect: async () => undefined,
      close: async () => undefined,
      send: async () => {
        const error = errors[sends++];
        if (error) throw error;
      },
    };
    return { client, sends: () => sends };
  }
  const brokerAway = () =>
    Object.assign(new Error('Connection to 127.0.0.1:9092 failed.'), { code: 'PLT_KFK_NETWORK' });

  it('retries a broker that does not answer with growing delays', async () => {
    const { client, sends } = clientFailing(brokerAway(), brokerAway(), brokerAway());
    const { policy: retry, waits } = recordingWaits(RETRY.producer);
    const producer = await KafkaBusProducer.connect(() => client, 'orders_topic', {
      brokers: ['127.0.0.1:9092'],
      retry,
    });
    await producer.send([{ key: 'A', value: '{}' }]);
    expect(sends()).toBe(4);
    expect(waits).toEqual([500, 1000, 2000]);
    await producer.close();
  });

  it('does not retry a refusal (terminal), and says why', async () => {
    const tooLarge = Object.assign(new Error('message too large'), {
      apiId: 'MESSAGE_TOO_LARGE',
      canRetry: false,
    });
    const { client, sends } = clientFailing(tooLarge);
    const { policy: retry, waits } = recordingWaits(RETRY.producer);
    const producer = await KafkaBusProducer.connect(() => client, 'orders_topic', {
      brokers: ['127.0.0.1:9092'],
      retry,
    });
    await expect(producer.send([{ key: 'A', value: '{}' }])).rejects.toMatchObject({
      code: 'BUS_ERROR',
      transient: false,
      message: expect.stringMatching(/publishing 1 messages to orders_topic: message too large/),
    });
    expect([sends(), waits]).toEqual([1, []]);
    await producer.close();
  });

  it('is the default policy of a producer', async () => {
    const { client } = clientFailing();
    const producer = await KafkaBusProducer.connect(() => client, 'orders_topic.dlq', {
      brokers: ['127.0.0.1:9092'],
    });
    expect(producer.retry).toBe(RETRY.producer);
    await producer.close();
  });
});

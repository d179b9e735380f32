/**
 * Producer: key = order id (Kafka's murmur2 partitioner, so Java clients agree on partitions),
 * acks=all, idempotent (a retried request is not written twice). `send` resolves once the
 * brokers have acknowledged every message, which is the pipeline's backpressure; `close`
 * waits for sends still in flight before disconnecting.
 *
 * Batches are sent strictly one after another, in the order `send` was called, so a
 * partition's messages reach the broker in that order even when a request is retried (two
 * idempotent sends in flight can swap places: the second takes the first's sequence numbers
 * while the first waits to retry).
 *
 * The client is @platformatic/kafka (the consumer and the admin are kafkajs): its encoding
 * costs about half of kafkajs's per message, which is what limits an unthrottled replay on a
 * small machine (README, "Architecture"). The ordering rules above live in KafkaBusProducer
 * and only need a `ProducerClient`.
 */
import { RETRY, type RetryPolicy } from '../../pipeline/retry.ts';
import {
  CompressionAlgorithms,
  compatibilityPartitioner,
  ProduceAcks,
  Producer,
  stringSerializer,
  type Serializers,
} from '@platformatic/kafka';
import type { BusProducer, OutgoingMessage } from '../types.ts';
import { hasProtocolError, toPipelineError } from './errors.ts';
import type { KafkaLog } from './logging.ts';

export type KafkaCompression = 'none' | 'gzip';

/** One Kafka client's producer, as the ordering logic uses it. */
export interface ProducerClient {
  /** Checks that the topic can be reached and gets a producer id (fails fast on a missing broker). */
  connect(): Promise<void>;
  /** Resolves when every message is acknowledged by all in-sync replicas. */
  send(messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

export interface ProducerClientOptions {
  clientId: string;
  brokers: readonly string[];
  topic: string;
  compression: KafkaCompression;
}

/** Bytes per send: under the broker's default message.max.bytes (1 MiB) with room for framing. */
const MAX_SEND_BYTES = 768 * 1024;

interface ProducedMessage {
  topic: string;
  key: string;
  value: string | Buffer;
  headers?: Record<string, string>;
}

/** Strings are encoded as UTF-8; bytes (a replay's values, see BusProducer) go as they are. */
const textOrBytes = (data?: string | Buffer): Buffer | undefined =>
  typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
const serializers: Serializers<string, string | Buffer, string, string> = {
  key: stringSerializer,
  value: textOrBytes,
  headerKey: stringSerializer,
  headerValue: stringSerializer,
};

/** A message's size in a record batch, roughly: its bytes plus a record's own fields. */
function messageBytes(m: OutgoingMessage): number {
  let size = 32 + Buffer.byteLength(m.key) + Buffer.byteLength(m.value);
  if (m.headers)
    for (const [name, value] of Object.entries(m.headers))
      size += 8 + Buffer.byteLength(name) + Buffer.byteLength(value);
  return size;
}

/** A producer of @platformatic/kafka: idempotent, acks=all, Java's key partitioning. */
export function platformaticProducer(options: ProducerClientOptions): ProducerClient {
  const producer = new Producer({
    clientId: options.clientId,
    bootstrapBrokers: [...options.brokers],
    serializers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    compression:
      options.compression === 'gzip' ? CompressionAlgorithms.GZIP : CompressionAlgorithms.NONE,
    // murmur2 with the sign bit cleared, modulo the partitions: where Java clients put a key.
    partitioner: compatibilityPartitioner,
    // Producers never create topics (it would pick the broker's partition count).
    autocreateTopics: false,
    // Short retries inside the client; sendWithRetry waits out a broker restart.
    retries: 5,
    retryDelay: 300,
    timeout: 30_000,
  });
  const { topic } = options;
  return {
    connect: async () => {
      await producer.metadata({ topics: [topic] });
      // The producer id now rather than in the first send: a replay's first batch went out
      // ~150 ms later for it, and a broker that refuses idempotence is reported at once.
      await producer.initIdempotentProducer({});
    },
    send: async (messages) => {
      // One send writes each partition's messages as one record batch, which the broker
      // refuses above message.max.bytes (1 MB by default): larger sends go in parts, in order.
      let part: ProducedMessage[] = [];
      let bytes = 0;
      for (const m of messages) {
        const size = messageBytes(m);
        if (part.length > 0 && bytes + size > MAX_SEND_BYTES) {
          await producer.send({ messages: part });
          part = [];
          bytes = 0;
        }
        part.push(
          m.headers
            ? { topic, key: m.key, value: m.value, headers: m.headers }
            : { topic, key: m.key, value: m.value },
        );
        bytes += size;
      }
      if (part.length > 0) await producer.send({ messages: part });
    },
    close: () => producer.close(),
  };
}

export class KafkaBusProducer implements BusProducer {
  readonly prefersBytes = true;
  private closed = false;

  /** Settles when every batch sent so far has settled; never rejects. */
  private tail: Promise<void> = Promise.resolve();

  /** Bumped when a batch fails for good: sends queued before that fail with it (see `send`). */
  private epoch = 0;
  private lastFailure: unknown = null;

  private constructor(
    private client: ProducerClient,
    private readonly createClient: () => ProducerClient,
    private readonly topic: string,
    private readonly brokers: readonly string[],
    private readonly log: KafkaLog | undefined,
    /** How a send that failed is retried (RETRY.producer unless a test injects one). */
    readonly retry: RetryPolicy,
  ) {}

  static async connect(
    createClient: () => ProducerClient,
    topic: string,
    options: { brokers: readonly string[]; log?: KafkaLog | undefined; retry?: RetryPolicy },
  ): Promise<KafkaBusProducer> {
    const client = createClient();
    try {
      await client.connect();
    } catch (error) {
      await client.close().catch(() => undefined);
      throw toPipelineError(error, `connecting a producer for ${topic}`, options.brokers);
    }
    return new KafkaBusProducer(
      client,
      createClient,
      topic,
      options.brokers,
      options.log,
      options.retry ?? RETRY.producer,
    );
  }

  async send(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    if (this.closed)
      throw toPipelineError(
        new Error('the producer is closed'),
        `publishing to ${this.topic}`,
        this.brokers,
      );
    // When a batch fails for good, the ones already queued behind it fail with it instead of
    // being sent: they would land on the topic ahead of the batch that is missing. A send
    // made after the caller saw the failure (a retry) goes ahead.
    const epoch = this.epoch;
    const sending = this.tail.then(() => {
      if (epoch !== this.epoch) throw this.lastFailure;
      return this.sendWithRetry(messages);
    });
    this.tail = sending.then(
      () => undefined,
      (error: unknown) => {
        if (epoch === this.epoch) {
          this.epoch++;
          this.lastFailure = error;
        }
      },
    );
    return sending;
  }

  /**
   * The client retries a request a few times, but gives up when the broker stays away (a
   * restart takes longer). Sends that failed to reach the broker are retried here under the
   * producer's RetryPolicy; a message could then be written twice, which RAW and the MERGE
   * tolerate (same event id).
   */
  private sendWithRetry(messages: OutgoingMessage[]): Promise<void> {
    return this.retry.run(
      async () => {
        try {
          await this.client.send(messages);
        } catch (error) {
          // After a broker restart, the client's idempotent sequence numbers can disagree with
          // the broker's (OUT_OF_ORDER_SEQUENCE_NUMBER, or UNKNOWN_PRODUCER_ID once the broker
          // dropped the producer's state; neither is retried). A new producer gets a new
          // producer id and starts its sequences afresh; if the broker is still away, renewing
          // fails with a connection error, which is retried like any other.
          if (!isSequenceBroken(error) || this.closed) throw error;
          this.log?.('the broker refused the producer sequence; reconnecting the producer');
          await this.renew();
          await this.client.send(messages);
        }
      },
      {
        // A closing producer makes no new attempt after a failure: close() is waiting.
        stop: () => this.closed,
        translate: (error) =>
          toPipelineError(
            error,
            `publishing ${messages.length} messages to ${this.topic}`,
            this.brokers,
          ),
        onRetry: (error, _attempt, delay) =>
          this.log?.(`${(error as Error).message}; retrying in ${(delay / 1000).toFixed(1)} s`),
      },
    );
  }

  /** Replaces the client's producer (a new producer id, sequences from zero). */
  private async renew(): Promise<void> {
    const fresh = this.createClient();
    try {
      await fresh.connect();
    } catch (error) {
      await fresh.close().catch(() => undefined);
      throw error;
    }
    const old = this.client;
    this.client = fresh;
    await old.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Flush: every acknowledged-or-failing send settles before the connection goes.
    await this.tail;
    await this.client.close().catch(() => undefined);
  }
}

function isSequenceBroken(error: unknown): boolean {
  return (
    hasProtocolError(error, 'OUT_OF_ORDER_SEQUENCE_NUMBER') ||
    hasProtocolError(error, 'UNKNOWN_PRODUCER_ID')
  );
}

/**
 * Producer: key = order id (Kafka's murmur2 partitioner, so Java clients agree on partitions),
 * acks=all, idempotent (a retried request is not written twice). `send` resolves once the
 * brokers have acknowledged every message, which is the pipeline's backpressure; `close`
 * waits for sends still in flight before disconnecting.
 *
 * Batches are sent strictly one after another, in the order `send` was called, so a
 * partition's messages reach the broker in that order even when a request is retried (two
 * kafkajs sends in flight can swap places: the second takes the first's sequence numbers while
 * the first waits to retry). It costs no throughput: kafkajs holds a lock per broker for the
 * whole round trip of an idempotent request anyway. Several kafkajs producers, each owning
 * some partitions, were measured too: no faster on two cores, where encoding is the limit.
 */
import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import type { BusProducer, OutgoingMessage } from '../types.ts';
import { toPipelineError } from './errors.ts';
import type { KafkaLog } from './logging.ts';
import { KeyPartitioner } from './partitioner.ts';

export type KafkaCompression = 'none' | 'gzip';

/** How long a send keeps retrying a broker that does not answer. */
const RETRY_FOR_MS = 90_000;

const COMPRESSION = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
} as const satisfies Record<KafkaCompression, CompressionTypes>;

export class KafkaBusProducer implements BusProducer {
  private closed = false;

  /** Settles when every batch sent so far has settled; never rejects. */
  private tail: Promise<void> = Promise.resolve();

  /** Bumped when a batch fails for good: sends queued before that fail with it (see `send`). */
  private epoch = 0;
  private lastFailure: unknown = null;

  private constructor(
    private producer: Producer,
    private readonly createProducer: () => Producer,
    private readonly topic: string,
    private readonly compression: KafkaCompression,
    private readonly brokers: readonly string[],
    private readonly log: KafkaLog | undefined,
  ) {}

  static async connect(
    kafka: Kafka,
    topic: string,
    options: {
      compression: KafkaCompression;
      brokers: readonly string[];
      log?: KafkaLog | undefined;
    },
  ): Promise<KafkaBusProducer> {
    const createProducer = () =>
      kafka.producer({
        idempotent: true,
        // kafkajs serialises idempotent requests per broker; 5 is Kafka's ceiling for idempotence.
        maxInFlightRequests: 5,
        allowAutoTopicCreation: false,
        createPartitioner: KeyPartitioner,
        // Bounded (kafkajs's default for idempotence is to retry forever); see sendWithRetry.
        retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 15_000 },
      });
    const producer = createProducer();
    try {
      await producer.connect();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw toPipelineError(error, `connecting a producer for ${topic}`, options.brokers);
    }
    return new KafkaBusProducer(
      producer,
      createProducer,
      topic,
      options.compression,
      options.brokers,
      options.log,
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
   * kafkajs retries a request, but gives up when its reconnect fails (a broker restart takes
   * longer). Sends that failed to reach the broker are retried here, for a bounded time; a
   * message could then be written twice, which RAW and the MERGE tolerate (same event id).
   */
  private async sendWithRetry(messages: OutgoingMessage[]): Promise<void> {
    const deadline = Date.now() + RETRY_FOR_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.producer.send({
          topic: this.topic,
          acks: -1,
          compression: COMPRESSION[this.compression],
          // An OutgoingMessage is a kafkajs Message as it is: no copy of the batch.
          messages,
        });
        return;
      } catch (error) {
        if (isSequenceBroken(error) && !this.closed && Date.now() < deadline) {
          // After a broker restart, kafkajs's idempotent sequence numbers can disagree with
          // the broker's (OUT_OF_ORDER_SEQUENCE_NUMBER, which it does not retry). A new
          // producer gets a new producer id and starts its sequences afresh.
          this.log?.(
            'the broker refused the producer sequence after a restart; reconnecting the producer',
          );
          await this.renew();
          continue;
        }
        const translated = toPipelineError(
          error,
          `publishing ${messages.length} messages to ${this.topic}`,
          this.brokers,
        );
        if (!translated.transient || this.closed || Date.now() >= deadline) throw translated;
        const delay = Math.min(5000, 500 * 2 ** (attempt - 1));
        this.log?.(`${translated.message}; retrying in ${(delay / 1000).toFixed(1)} s`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** Replaces the kafkajs producer (a new producer id, sequences from zero). */
  private async renew(): Promise<void> {
    const old = this.producer;
    const fresh = this.createProducer();
    await fresh.connect();
    this.producer = fresh;
    await old.disconnect().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Flush: every acknowledged-or-failing send settles before the connection goes.
    await this.tail;
    await this.producer.disconnect().catch(() => undefined);
  }
}

function isSequenceBroken(error: unknown): boolean {
  for (
    let e = error as { type?: string; message?: string; cause?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    if (e.type === 'OUT_OF_ORDER_SEQUENCE_NUMBER' || /out of order sequence/i.test(e.message ?? ''))
      return true;
  }
  return false;
}

/**
 * The Kafka bus (Apache Kafka or Redpanda). Two clients, each chosen by measuring on a real
 * broker (see the README): kafkajs 2.2.4 for consumer groups with manual commits and for the
 * admin (topics, lag, ping), @platformatic/kafka for the producer, whose encoding costs half
 * as much per message. Producers and consumers are created on demand, the admin lazily.
 */
import { Kafka, type Admin } from 'kafkajs';
import type { BusConfig } from '../../config/config.ts';
import { PipelineError } from '../../errors.ts';
import type { Bus, BusConsumer, BusProducer } from '../types.ts';
import { KafkaBusConsumer } from './kafka-consumer.ts';
import { KafkaBusProducer, platformaticProducer, type KafkaCompression } from './kafka-producer.ts';
import { toPipelineError, unavailableHint } from './errors.ts';
import { groupLag } from './group-lag.ts';
import { kafkaLogCreator, type KafkaLog } from './logging.ts';
import { kafkajsRetry } from './client-retry.ts';
import { RETRY, sleep } from '../../pipeline/retry.ts';

/** How long a created topic may take to show leaders in the broker's metadata. */
const TOPIC_LEADERS_WAIT_MS = 30_000;

export type KafkaBusConfig = Extract<BusConfig, { kind: 'kafka' }>;

export interface KafkaBusOptions {
  /** Where kafkajs warnings go (deduplicated). Without it the adapter prints nothing. */
  log?: KafkaLog;
  /** Producer compression; none by default (measured faster on a local broker). */
  compression?: KafkaCompression;
}

export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  readonly keepsRecords = true;
  private readonly kafka: Kafka;
  private adminClient: Promise<Admin> | null = null;
  private readonly open = new Set<{ close(): Promise<void> }>();

  constructor(
    private readonly config: KafkaBusConfig,
    private readonly options: KafkaBusOptions = {},
  ) {
    this.kafka = new Kafka({
      clientId: config.clientId,
      brokers: config.brokers,
      connectionTimeout: 3000,
      requestTimeout: 30_000,
      // Bounded backoff (≈ 10 s) for connects and admin requests; a missing broker is reported, not waited for forever.
      retry: kafkajsRetry(RETRY.kafkaRequest),
      logCreator: kafkaLogCreator((message) => this.options.log?.(message)),
    });
  }

  /** Routes kafkajs warnings to a log function (the CLI's); replaces the previous one. */
  setLog(log: KafkaLog | undefined): void {
    if (log) this.options.log = log;
    else delete this.options.log;
  }

  private admin(): Promise<Admin> {
    this.adminClient ??= (async () => {
      const admin = this.kafka.admin();
      try {
        await admin.connect();
        return admin;
      } catch (error) {
        this.adminClient = null;
        await admin.disconnect().catch(() => undefined);
        throw toPipelineError(error, 'connecting the admin client', this.config.brokers);
      }
    })();
    return this.adminClient;
  }

  /** Kafka keeps the topic's records and the group's offsets itself. */
  resumeTopic(): void {}

  async ensureTopic(topic: string, partitions: number): Promise<void> {
    const admin = await this.admin();
    const create = (replicationFactor: number) =>
      admin.createTopics({
        topics: [{ topic, numPartitions: partitions, replicationFactor }],
        waitForLeaders: true,
      });
    try {
      try {
        // -1 = the broker's default.replication.factor (1 on a single node, 3 on a real cluster).
        await create(-1);
      } catch (error) {
        if (
          !/replication factor/i.test(
            JSON.stringify((error as { errors?: unknown }).errors ?? '') + (error as Error).message,
          )
        )
          throw error;
        await create(1);
      }
    } catch (error) {
      // Created meanwhile by another process: fine.
      if (
        (error as { type?: string }).type === 'TOPIC_ALREADY_EXISTS' ||
        /already exists/i.test(JSON.stringify((error as { errors?: unknown }).errors ?? ''))
      )
        return;
      // Created, but the broker's metadata does not list it yet (a broker that just started,
      // or a loaded one): kafkajs waits for leaders only while they are "not available" and
      // gives up on "unknown topic". Wait for them here.
      if ((error as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') {
        await this.waitForLeaders(admin, topic, error);
        return;
      }
      throw toPipelineError(error, `creating the topic ${topic}`, this.config.brokers);
    }
  }

  /** Polls the topic's metadata until every partition has a leader (bounded: 30 s). */
  private async waitForLeaders(admin: Admin, topic: string, cause: unknown): Promise<void> {
    const deadline = Date.now() + TOPIC_LEADERS_WAIT_MS;
    for (;;) {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => null);
      const partitions = metadata?.topics[0]?.partitions ?? [];
      if (partitions.length > 0 && partitions.every((p) => p.leader >= 0)) return;
      if (Date.now() >= deadline)
        throw toPipelineError(
          cause,
          `creating the topic ${topic} (no leader after ${TOPIC_LEADERS_WAIT_MS / 1000} s)`,
          this.config.brokers,
        );
      await sleep(250);
    }
  }

  async producer(topic: string): Promise<BusProducer> {
    // Producers never auto-create topics (it would pick the broker's partition count).
    await this.ensureTopic(topic, topic === this.config.dlqTopic ? 1 : this.config.partitions);
    const client = () =>
      platformaticProducer({
        clientId: this.config.clientId,
        brokers: this.config.brokers,
        topic,
        compression: this.options.compression ?? 'none',
      });
    const producer = await KafkaBusProducer.connect(client, topic, {
      brokers: this.config.brokers,
      log: (m) => this.options.log?.(m),
    });
    return this.track(producer);
  }

  async consumer(topic: string, groupId: string): Promise<BusConsumer> {
    const consumer = new KafkaBusConsumer(this.kafka, () => this.admin(), topic, groupId, {
      brokers: this.config.brokers,
      log: (m) => this.options.log?.(m),
    });
    return this.track(consumer);
  }

  private track<T extends { close(): Promise<void> }>(item: T): T {
    this.open.add(item);
    const close = item.close.bind(item);
    item.close = async () => {
      this.open.delete(item);
      await close();
    };
    return item;
  }

  async consumerLag(groupId: string, topic: string): Promise<number> {
    return groupLag(await this.admin(), groupId, topic, this.config.brokers);
  }

  async ping(): Promise<string> {
    // A separate admin with little retrying: a health check answers in seconds.
    const admin = this.kafka.admin({
      retry: kafkajsRetry(RETRY.kafkaPing),
    });
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      const brokers = cluster.brokers.map((b) => `${b.host}:${b.port}`).join(', ');
      return `Kafka cluster ${cluster.clusterId} at ${this.config.brokers.join(',')}: ${cluster.brokers.length} broker(s) (${brokers})`;
    } catch (error) {
      const translated = toPipelineError(error, 'checking the broker', this.config.brokers);
      throw new PipelineError('BUS_UNAVAILABLE', translated.message, {
        transient: true,
        hint: unavailableHint(this.config.brokers),
        cause: error,
      });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.open].map((item) => item.close()));
    const admin = this.adminClient;
    this.adminClient = null;
    if (admin) await (await admin.catch(() => null))?.disconnect().catch(() => undefined);
  }
}

export async function createKafkaBus(
  config: KafkaBusConfig,
  options: KafkaBusOptions = {},
): Promise<Bus> {
  return new KafkaBus(config, options);
}

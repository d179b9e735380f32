/**
 * Consumer: kafkajs pushes batches (`eachBatch`), the pipeline pulls them (`batches()`). The
 * bridge between the two keeps Kafka's guarantees:
 *
 *   kafkajs fetch ─▶ eachBatch(partition p) ─▶ delivery queued ─▶ batches() hands out ≤ maxRecords
 *                        │ waits, heartbeating                     │
 *                        ◀── settled: commit() (offsets resolved + committed) or dropped ◀─┘
 *
 * - An `eachBatch` call does not return until every record it brought was committed or
 *   dropped, so kafkajs fetches the partition again only from a settled position and the
 *   pipeline's pace is the consumer's pace (backpressure).
 * - `commit()` commits offset+1 of the last record of each partition in the batch, and only
 *   when called, i.e. after the warehouse write committed. Nothing else ever commits.
 * - A batch that is not committed (the write failed, the loop stopped) is dropped: its
 *   partitions' remaining records are withdrawn and left unresolved, so kafkajs fetches them
 *   again (or, after a rebalance, the new owner starts at the committed offset). RAW skips
 *   records it already stored, so a redelivery never doubles anything.
 * - On a rebalance (heartbeat fails) records not yet handed out are withdrawn at once; the
 *   batch in hand is finished first (written and committed by the current owner, which the
 *   group waits for), then kafkajs rejoins.
 */
import { RETRY } from '../../pipeline/retry.ts';
import { kafkajsRetry } from './client-retry.ts';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { PipelineError } from '../../errors.ts';
import type { BatchOptions, BusConsumer, BusRecord, ConsumedBatch } from '../types.ts';
import { groupLag } from './group-lag.ts';
import {
  isBrokerLost,
  isConnectionError,
  isRebalanceError,
  rootMessage,
  toPipelineError,
} from './errors.ts';
import type { KafkaLog } from './logging.ts';
import { Wakeup } from '../wakeup.ts';

/** How often a waiting `eachBatch` heartbeats (and notices a rebalance). */
const HEARTBEAT_EVERY_MS = 1000;
/** After the first records, how long to wait for the other partitions of the same fetch. */
const GATHER_MS = 10;
/** Consumer restarts in a row (each after kafkajs's own retries) before giving up. */
const MAX_RESTARTS = RETRY.consumer.limits.attempts - 1;

/** The records one `eachBatch` call brought, until each is committed or dropped. */
interface Delivery {
  topic: string;
  partition: number;
  payload: EachBatchPayload;
  /** Not yet handed out. */
  waiting: BusRecord[];
  /** Handed out in a batch that is neither committed nor dropped yet. */
  handedOut: number;
  finished: boolean;
  finish(): void;
  done: Promise<void>;
}

interface Slice {
  delivery: Delivery;
  records: BusRecord[];
}

interface Session {
  /** The running kafkajs consumer; null while a lost broker is being waited for. */
  consumer: Consumer | null;
  stopping: boolean;
  /** Aborted by stop(): ends a wait before reconnecting. */
  stopped: AbortController;
  /** A replacement consumer being started (stop() waits for it). */
  relaunching: Promise<void> | null;
  failure: PipelineError | null;
  restarts: number;
}

interface InHand {
  slices: Slice[];
  state: 'open' | 'committed' | 'dropped';
}

export interface KafkaConsumerOptions {
  brokers: readonly string[];
  log?: KafkaLog | undefined;
}

function headerText(value: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const last = Array.isArray(value) ? value.at(-1) : value;
  return last === undefined ? undefined : last.toString();
}

function toBusRecord(topic: string, partition: number, message: KafkaMessage): BusRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const text = headerText(value);
    if (text !== undefined) headers[name] = text;
  }
  return {
    topic,
    partition,
    offset: BigInt(message.offset),
    key: message.key === null ? null : message.key.toString('utf8'),
    value: message.value,
    headers,
    timestamp: Number(message.timestamp),
  };
}

export class KafkaBusConsumer implements BusConsumer {
  private readonly queue: Delivery[] = [];
  private readonly wakeup = new Wakeup();
  private session: Session | null = null;
  private inHand: InHand | null = null;
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: () => Promise<Admin>,
    private readonly topic: string,
    private readonly groupId: string,
    private readonly options: KafkaConsumerOptions,
  ) {}

  /**
   * Offsets stored in RAW whose commit to the group failed (a broker outage), per partition.
   * A later batch's commit covers them; when none comes (the topic is idle), an idle consumer
   * commits them itself, so the group's lag does not stay wrong until the next record.
   */
  private readonly owed = new Map<string, { topic: string; partition: number; offset: string }>();

  async *batches(options: BatchOptions): AsyncIterable<ConsumedBatch> {
    if (this.session)
      throw new PipelineError(
        'BUS_ERROR',
        `the consumer of ${this.topic} (group ${this.groupId}) is already iterating`,
      );
    if (this.closed || options.signal?.aborted) return;
    const session = await this.start(options);
    try {
      while (!this.closed && !options.signal?.aborted) {
        if (session.failure) throw session.failure;
        const slices = await this.take(options, session);
        if (slices.length === 0) continue;
        const inHand: InHand = { slices, state: 'open' };
        this.inHand = inHand;
        yield {
          records: slices.flatMap((s) => s.records),
          commit: async () => {
            if (inHand.state === 'committed') return;
            if (inHand.state === 'dropped') {
              throw new PipelineError(
                'BUS_ERROR',
                'this batch was given up (the consumer moved on or closed); its records will be delivered again',
              );
            }
            inHand.state = 'committed';
            await this.commit(inHand.slices);
            session.restarts = 0;
          },
        };
        this.settleInHand();
      }
    } finally {
      this.settleInHand();
      await this.stop(session);
    }
  }

  /** Joins the group and starts kafkajs's fetch loop; records arrive through `deliver`. */
  private async start(options: BatchOptions): Promise<Session> {
    const session: Session = {
      consumer: null,
      stopping: false,
      failure: null,
      restarts: 0,
      stopped: new AbortController(),
      relaunching: null,
    };
    this.session = session;
    try {
      await this.launch(session, options);
    } catch (error) {
      session.stopping = true;
      this.session = null;
      throw this.startError(error);
    }
    return session;
  }

  /** One kafkajs consumer, connected, subscribed and running. */
  private async launch(session: Session, options: BatchOptions): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      // The broker holds a fetch until about one batch of data is there or the wait is over.
      maxWaitTimeInMs: Math.max(10, Math.min(options.maxWaitMs, 1000)),
      minBytes: Math.max(1, Math.min(options.maxRecords * 100, 1 << 20)),
      // A fetch brings up to about one ingest batch (kafkajs's 1 MB per partition was ~3,500
      // events, so a catching-up consumer wrote many small transactions, each paying a
      // commit). Room for ~1 KB per record, capped at 64 MB per fetch.
      maxBytesPerPartition: Math.min(Math.max(options.maxRecords * 1024, 1 << 20), 64 << 20),
      maxBytes: 64 << 20,
      heartbeatInterval: HEARTBEAT_EVERY_MS,
      // A crashed member (kill -9) is noticed after 10 s instead of 30: its partitions move on
      // sooner. Live members heartbeat every second, even while a batch is being written.
      sessionTimeout: 10_000,
      allowAutoTopicCreation: false,
      retry: {
        ...kafkajsRetry(RETRY.kafkaRequest),
        restartOnFailure: async (error) => {
          session.restarts += 1;
          const restart = session.restarts <= MAX_RESTARTS && !session.stopping;
          // A fresh broker's group coordinator loads for a moment: expected, not worth a line.
          const expected =
            /coordinator is loading|coordinator is not available|rebalanc/i.test(
              (error as Error).message,
            ) && session.restarts <= 2;
          if (restart && !expected)
            this.options.log?.(
              `kafka: consumer of ${this.topic} failed (${(error as Error).message}); restarting (${session.restarts}/${MAX_RESTARTS})`,
            );
          return restart;
        },
      },
    });
    session.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || session.consumer !== consumer || session.stopping) return;
      if (isBrokerLost(payload.error)) {
        const relaunch: Promise<void> = this.relaunch(session, options, payload.error).finally(
          () => {
            if (session.relaunching === relaunch) session.relaunching = null;
          },
        );
        session.relaunching = relaunch;
      } else this.fail(session, payload.error);
    });
    // Joined: the group works again, so a later outage gets the whole restart budget.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      session.restarts = 0;
    });
    try {
      await consumer.connect();
      // From the group's committed offsets; a new group starts at the earliest record.
      await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
      // stop() ran while this consumer connected: it must not join the group.
      if (session.stopping) throw new Error('stopped');
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        // Every partition of a fetch is handed over at once, so one batch can span them.
        partitionsConsumedConcurrently: 64,
        eachBatch: (payload) => this.deliver(payload, session),
      });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    // stop() ran while this consumer was joining: it must not keep running.
    if (session.stopping) await consumer.disconnect().catch(() => undefined);
  }

  /**
   * kafkajs gives up on some errors of a broker that went away: when no broker answers while
   * the group looks for its coordinator, it throws a non-retriable "Failed to find group
   * coordinator" and does not restart. The consumer is then replaced by a new one, with
   * backoff, within the same restart budget as kafkajs's own restarts.
   */
  private async relaunch(session: Session, options: BatchOptions, cause: unknown): Promise<void> {
    session.consumer = null;
    const policy = RETRY.consumer;
    const startedAt = policy.now();
    let failure = this.translate(cause);
    while (!session.stopping) {
      session.restarts += 1;
      if (!policy.shouldRetry(failure, session.restarts, startedAt))
        return this.fail(session, failure);
      const delayMs = policy.delayMs(session.restarts);
      this.options.log?.(
        `kafka: consumer of ${this.topic} lost the broker (${rootMessage(cause)}); reconnecting in ${(delayMs / 1000).toFixed(1)} s (${session.restarts}/${MAX_RESTARTS})`,
      );
      await policy.wait(delayMs, session.stopped.signal);
      if (session.stopping) return;
      try {
        await this.launch(session, options);
        return;
      } catch (error) {
        if (session.stopping) return;
        if (!isBrokerLost(error)) return this.fail(session, error);
        cause = error;
        failure = this.translate(error);
      }
    }
  }

  private translate(error: unknown): PipelineError {
    return toPipelineError(
      error,
      `consuming ${this.topic} (group ${this.groupId})`,
      this.options.brokers,
    );
  }

  private fail(session: Session, error: unknown): void {
    session.failure = this.translate(error);
    this.wake();
  }

  private startError(error: unknown): PipelineError {
    const type = (error as { type?: string }).type;
    if (
      type === 'UNKNOWN_TOPIC_OR_PARTITION' ||
      /does not host this topic|not present in metadata/i.test((error as Error).message ?? '')
    ) {
      return new PipelineError(
        'BUS_ERROR',
        `the topic ${this.topic} does not exist on ${this.options.brokers.join(',')}`,
        {
          hint: 'create it with `npx dropship setup` (or start `npx dropship produce`, which creates it)',
          cause: error,
        },
      );
    }
    return toPipelineError(
      error,
      `joining consumer group ${this.groupId} on ${this.topic}`,
      this.options.brokers,
    );
  }

  /** kafkajs's eachBatch: queue the records, then wait (heartbeating) until all are settled. */
  private async deliver(payload: EachBatchPayload, session: Session): Promise<void> {
    const { batch, isRunning, isStale, heartbeat } = payload;
    if (session.stopping || !isRunning() || isStale() || batch.messages.length === 0) return;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const delivery: Delivery = {
      topic: batch.topic,
      partition: batch.partition,
      payload,
      waiting: batch.messages.map((m) => toBusRecord(batch.topic, batch.partition, m)),
      handedOut: 0,
      finished: false,
      finish: () => {
        delivery.finished = true;
        finish();
      },
      done,
    };
    session.restarts = 0;
    this.queue.push(delivery);
    this.wake();
    while (!delivery.finished) {
      await settledOrTimeout(done, HEARTBEAT_EVERY_MS);
      if (delivery.finished) return;
      if (session.stopping || !isRunning() || isStale()) {
        this.withdraw(delivery);
        await done;
        return;
      }
      try {
        await heartbeat();
      } catch (error) {
        // Rebalance (or lost coordinator): give back what was not handed out, finish the batch
        // in hand, then let kafkajs rejoin with the error.
        this.withdraw(delivery);
        await done;
        if (!isRebalanceError(error) && !isConnectionError(error))
          this.options.log?.(`kafka heartbeat failed: ${(error as Error).message}`);
        throw error;
      }
    }
  }

  /** Takes the delivery's records that are not handed out: they will be fetched again. */
  private withdraw(delivery: Delivery): void {
    delivery.waiting = [];
    const i = this.queue.indexOf(delivery);
    if (i >= 0) this.queue.splice(i, 1);
    if (delivery.handedOut === 0 && !delivery.finished) delivery.finish();
  }

  /** Up to maxRecords records, waiting for the first ones and briefly for the rest of the fetch. */
  private async take(options: BatchOptions, session: Session): Promise<Slice[]> {
    while (this.queue.length === 0) {
      if (this.closed || options.signal?.aborted || session.failure) return [];
      await this.waitForWake(1000, options.signal);
      if (this.queue.length === 0) await this.commitOwed(session);
    }
    const slices: Slice[] = [];
    let room = options.maxRecords;
    const gather = () => {
      for (const delivery of this.queue) {
        if (room === 0) break;
        const records = delivery.waiting.splice(0, room);
        if (records.length === 0) continue;
        delivery.handedOut += records.length;
        room -= records.length;
        slices.push({ delivery, records });
      }
      for (let i = this.queue.length - 1; i >= 0; i--)
        if (this.queue[i]!.waiting.length === 0) this.queue.splice(i, 1);
    };
    gather();
    if (room > 0 && !options.signal?.aborted) {
      await this.waitForWake(Math.min(options.maxWaitMs, GATHER_MS), options.signal);
      gather();
    }
    return slices;
  }

  /**
   * Commits the owed offsets (see `owed`) while nothing else is fetched. A failure is left for
   * the next idle second; a rebalance drops them (the partition's new owner redelivers, and
   * RAW skips what it holds), as a failed batch commit does.
   */
  private async commitOwed(session: Session): Promise<void> {
    if (this.owed.size === 0 || !session.consumer) return;
    const offsets = [...this.owed.values()];
    try {
      await session.consumer.commitOffsets(offsets);
      for (const o of offsets) this.owed.delete(`${o.topic}:${o.partition}`);
    } catch (error) {
      const typed = toPipelineError(error, 'committing owed offsets', this.options.brokers);
      if (!typed.transient) this.owed.clear();
    }
  }

  /** Resolves the batch's offsets in kafkajs and commits offset+1 per partition to the group. */
  private async commit(slices: Slice[]): Promise<void> {
    const last = new Map<Delivery, { offset: bigint; count: number }>();
    for (const s of slices) {
      const entry = last.get(s.delivery) ?? { offset: -1n, count: 0 };
      entry.offset = s.records.at(-1)!.offset;
      entry.count += s.records.length;
      last.set(s.delivery, entry);
    }
    const byTopic = new Map<string, { partition: number; offset: string }[]>();
    for (const [d, { offset }] of last)
      byTopic.set(d.topic, [
        ...(byTopic.get(d.topic) ?? []),
        { partition: d.partition, offset: String(offset + 1n) },
      ]);
    const topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
    const payload = slices[0]!.delivery.payload;
    const owedKeys = topics.flatMap(({ topic, partitions }) =>
      partitions.map((p) => ({ key: `${topic}:${p.partition}`, topic, ...p })),
    );
    try {
      await commitOffsets(() => payload.commitOffsetsIfNecessary({ topics }), {
        doing: `committing offsets of ${this.topic} (group ${this.groupId})`,
        brokers: this.options.brokers,
      });
      for (const { key } of owedKeys) this.owed.delete(key);
    } catch (error) {
      for (const { key, topic, partition, offset } of owedKeys)
        this.owed.set(key, { topic, partition, offset });
      throw error;
    } finally {
      // The records are stored either way: move kafkajs's fetch position past them.
      for (const [d, { offset, count }] of last) {
        d.payload.resolveOffset(String(offset));
        this.release(d, count);
      }
    }
  }

  private release(delivery: Delivery, count: number): void {
    delivery.handedOut -= count;
    if (delivery.handedOut === 0 && delivery.waiting.length === 0 && !delivery.finished)
      delivery.finish();
  }

  /** A batch that was not committed is dropped: its partitions are fetched again from the last commit. */
  private settleInHand(): void {
    const inHand = this.inHand;
    this.inHand = null;
    if (!inHand || inHand.state !== 'open') return;
    inHand.state = 'dropped';
    const counts = new Map<Delivery, number>();
    for (const s of inHand.slices)
      counts.set(s.delivery, (counts.get(s.delivery) ?? 0) + s.records.length);
    for (const [d, count] of counts) {
      this.withdraw(d);
      this.release(d, count);
    }
  }

  private async stop(session: Session): Promise<void> {
    session.stopping = true;
    session.stopped.abort();
    for (const d of [...this.queue]) this.withdraw(d);
    this.wake();
    // A replacement being started stops at its next step, then leaves.
    await session.relaunching;
    // Leaves the group (its partitions go to the other members at once) and disconnects.
    await session.consumer?.disconnect().catch(() => undefined);
    if (this.session === session) this.session = null;
  }

  private wake(): void {
    this.wakeup.notify();
  }

  private waitForWake(ms: number, signal?: AbortSignal): Promise<void> {
    return this.wakeup.wait(ms, signal);
  }

  async lag(): Promise<number> {
    return groupLag(await this.admin(), this.groupId, this.topic, this.options.brokers);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.settleInHand();
    this.wake();
    if (this.session) await this.stop(this.session);
  }
}

/**
 * Commits offsets under RETRY.offsetCommit. A rebalance (the partition may be another
 * member's now) is terminal, like any error the client says a retry cannot help: the records
 * are stored with their offsets, so the new owner's redelivery is skipped by RAW.
 */
export function commitOffsets(
  commit: () => Promise<void>,
  what: { doing: string; brokers: readonly string[] },
  policy = RETRY.offsetCommit,
): Promise<void> {
  return policy.run(commit, {
    translate: (error) => toPipelineError(error, what.doing, what.brokers),
  });
}

function settledOrTimeout(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * The in-process bus of the embedded mode: one process runs every stage, so events travel
 * through memory instead of a broker, with the same semantics as Kafka where correctness
 * depends on it (partitions, offsets, consumer groups, commit after write, redelivery of
 * uncommitted records). Memory stays bounded: a producer waits while the backlog is full,
 * and records every group has committed are dropped.
 */
import { PipelineError } from '../../errors.ts';
import { Wakeup } from '../wakeup.ts';
import {
  partitionForKey,
  type BatchOptions,
  type Bus,
  type BusConsumer,
  type BusProducer,
  type BusRecord,
  type ConsumedBatch,
  type OutgoingMessage,
} from '../types.ts';

interface Partition {
  /** Offset of records[0]. */
  base: number;
  records: BusRecord[];
}

interface Group {
  committed: number[];
  /** A partition is leased to one consumer from fetch until commit (or close). */
  leasedBy: (MemoryConsumer | null)[];
}

class Topic {
  readonly partitions: Partition[];
  readonly groups = new Map<string, Group>();
  /** Producers waiting for the backlog to shrink (see MemoryProducer.send). */
  blockedProducers = 0;
  private readonly wakeup = new Wakeup();

  constructor(
    readonly name: string,
    partitionCount: number,
  ) {
    this.partitions = Array.from({ length: partitionCount }, () => ({ base: 0, records: [] }));
  }

  group(id: string): Group {
    let group = this.groups.get(id);
    if (!group) {
      // A new group starts from the earliest record still held.
      group = {
        committed: this.partitions.map((p) => p.base),
        leasedBy: this.partitions.map(() => null),
      };
      this.groups.set(id, group);
    }
    return group;
  }

  /** Records not yet committed by the group (all records held, for a group not seen yet). */
  lag(groupId: string): number {
    const committed = this.groups.get(groupId)?.committed;
    let lag = 0;
    this.partitions.forEach((p, i) => {
      lag += p.base + p.records.length - (committed?.[i] ?? p.base);
    });
    return lag;
  }

  /** Records appended but not yet committed by the slowest group (all records if no group). */
  backlog(): number {
    let total = 0;
    for (const p of this.partitions) total += p.records.length;
    return total;
  }

  /** Drops records that every group has committed, so memory stays bounded. */
  trim(): void {
    if (this.groups.size === 0) return;
    this.partitions.forEach((p, i) => {
      let min = Number.POSITIVE_INFINITY;
      for (const g of this.groups.values()) min = Math.min(min, g.committed[i] ?? 0);
      const drop = Math.min(p.records.length, min - p.base);
      if (drop > 0) {
        p.records.splice(0, drop);
        p.base += drop;
      }
    });
  }

  notify(): void {
    this.wakeup.notify();
  }

  /** Resolves on the next append/commit/close, or after `ms`. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    return this.wakeup.wait(ms, signal);
  }
}

/**
 * Records a producer may hold ahead of the slowest group: one RAW transaction's worth (25,000
 * rows), so the ingest's batches on this bus are never larger. Measured on a 10M-order `run
 * --once`: 100,000 (four transactions) was no faster, DuckDB being the limit, and kept the
 * main thread's heap at 300–440 MB instead of 230–250 MB (docs/BENCHMARKS.md).
 */
export const MEMORY_BUS_BACKLOG = 25_000;

export interface MemoryBusOptions {
  partitions: number;
  /** Producers wait while this many records are held but not committed. */
  maxBacklog?: number;
}

export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  readonly keepsRecords = false;
  private readonly topics = new Map<string, Topic>();
  private closed = false;

  constructor(private readonly options: MemoryBusOptions) {}

  topic(name: string): Topic {
    if (this.closed) throw new PipelineError('BUS_ERROR', 'the in-process bus is closed');
    let topic = this.topics.get(name);
    if (!topic) {
      topic = new Topic(name, this.options.partitions);
      this.topics.set(name, topic);
    }
    return topic;
  }

  async ensureTopic(name: string, partitions: number): Promise<void> {
    if (!this.topics.has(name)) this.topics.set(name, new Topic(name, partitions));
  }

  /**
   * Continues a topic's offsets from where an earlier process stopped (the offsets stored in
   * the warehouse), as if its log had been kept and its old records deleted. Without this,
   * a new process would reuse offsets 0, 1, 2… and its records would look like redeliveries.
   */
  resumeTopic(name: string, nextOffsets: Map<number, bigint>): void {
    const topic = this.topic(name);
    topic.partitions.forEach((p, i) => {
      const next = Number(nextOffsets.get(i) ?? 0n);
      if (p.records.length === 0 && next > p.base) p.base = next;
    });
    for (const group of topic.groups.values())
      group.committed = topic.partitions.map((p) => p.base);
  }

  async producer(name: string): Promise<BusProducer> {
    return new MemoryProducer(this.topic(name), this.options.maxBacklog ?? MEMORY_BUS_BACKLOG);
  }

  async consumer(name: string, groupId: string): Promise<BusConsumer> {
    return new MemoryConsumer(this.topic(name), groupId);
  }

  async consumerLag(groupId: string, topic: string): Promise<number | null> {
    // A topic this process never used has no records here (another process's bus is out of reach).
    return this.topics.get(topic)?.lag(groupId) ?? null;
  }

  async ping(): Promise<string> {
    return `in-process bus (${this.options.partitions} partitions per topic)`;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.topics.values()) t.notify();
  }
}

class MemoryProducer implements BusProducer {
  readonly prefersBytes = false;
  private closed = false;

  constructor(
    private readonly topic: Topic,
    private readonly maxBacklog: number,
  ) {}

  async send(messages: OutgoingMessage[]): Promise<void> {
    // Backpressure: wait until consumers have caught up enough (only when someone consumes).
    while (this.topic.groups.size > 0 && this.topic.backlog() >= this.maxBacklog) {
      // A send waiting for a consumer that gave up would wait forever: close() ends it.
      if (this.closed)
        throw new PipelineError('BUS_ERROR', 'the in-process producer was closed while waiting');
      this.topic.blockedProducers++;
      try {
        await this.topic.wait(1000);
      } finally {
        this.topic.blockedProducers--;
      }
    }
    const now = Date.now();
    for (const m of messages) {
      const partitionIndex = partitionForKey(m.key, this.topic.partitions.length);
      const partition = this.topic.partitions[partitionIndex]!;
      partition.records.push({
        topic: this.topic.name,
        partition: partitionIndex,
        offset: BigInt(partition.base + partition.records.length),
        key: m.key,
        value: m.value,
        headers: m.headers ?? {},
        timestamp: now,
      });
    }
    this.topic.notify();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.topic.notify();
  }
}

class MemoryConsumer implements BusConsumer {
  private readonly group: Group;
  private closed = false;

  constructor(
    private readonly topic: Topic,
    private readonly groupId: string,
  ) {
    this.group = topic.group(groupId);
  }

  /** Takes up to `max` records from partitions this consumer holds or can lease. */
  private take(max: number, positions: Map<number, number>): BusRecord[] {
    const out: BusRecord[] = [];
    this.topic.partitions.forEach((partition, i) => {
      const owner = this.group.leasedBy[i];
      if (out.length >= max || (owner !== null && owner !== this)) return;
      const from = positions.get(i) ?? this.group.committed[i]!;
      const available = partition.base + partition.records.length - from;
      if (available <= 0) return;
      const n = Math.min(available, max - out.length);
      const start = from - partition.base;
      for (let k = start; k < start + n; k++) out.push(partition.records[k]!);
      this.group.leasedBy[i] = this;
      positions.set(i, from + n);
    });
    return out;
  }

  async *batches(options: BatchOptions): AsyncIterable<ConsumedBatch> {
    while (!this.closed && !options.signal?.aborted) {
      const positions = new Map<number, number>();
      let records = this.take(options.maxRecords, positions);
      if (records.length === 0) {
        await this.topic.wait(1000, options.signal);
        continue;
      }
      const deadline = Date.now() + options.maxWaitMs;
      // Waiting for more is pointless while every producer waits for this batch's commit.
      while (
        records.length < options.maxRecords &&
        Date.now() < deadline &&
        this.topic.blockedProducers === 0 &&
        !options.signal?.aborted
      ) {
        await this.topic.wait(deadline - Date.now(), options.signal);
        records = records.concat(this.take(options.maxRecords - records.length, positions));
      }
      let committed = false;
      const batch: ConsumedBatch = {
        records,
        commit: async () => {
          for (const [p, next] of positions) {
            this.group.committed[p] = next;
            this.group.leasedBy[p] = null;
          }
          committed = true;
          this.topic.trim();
          this.topic.notify();
        },
      };
      yield batch;
      // Not committed (the write failed or the loop stopped): release so the records are redelivered.
      if (!committed) this.release();
    }
  }

  private release(): void {
    this.group.leasedBy.forEach((owner, i) => {
      if (owner === this) this.group.leasedBy[i] = null;
    });
    this.topic.notify();
  }

  async lag(): Promise<number> {
    return this.topic.lag(this.groupId);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.release();
  }
}

/**
 * The bus between the producer and the ingest: Kafka/Redpanda in production, an in-process
 * log for the embedded mode. Both behave like Kafka where it matters to correctness:
 * partitions chosen by key, per-partition offsets, consumer groups, and offsets that are
 * committed only when the consumer says so (after its warehouse write committed).
 */

export interface OutgoingMessage {
  key: string;
  /** The text, or its UTF-8 bytes (see `BusProducer.prefersBytes`). */
  value: string | Buffer;
  headers?: Record<string, string>;
}

/** Where a record sits on the bus: what RAW stores so redeliveries are recognised. */
export interface BusCoordinates {
  topic: string;
  partition: number;
  offset: bigint;
}

export interface BusRecord extends BusCoordinates {
  key: string | null;
  /** Bytes from Kafka; the in-process bus hands the producer's string over without copying. */
  value: Buffer | string | null;
  headers: Record<string, string>;
  /** Broker (or append) time, epoch ms. */
  timestamp: number;
}

export interface BusProducer {
  /**
   * Values are best handed over as UTF-8 bytes: Kafka sends bytes, and a replay that encodes
   * them in its worker thread spares the publishing thread a copy of every string and its
   * encoding. The in-process bus keeps strings, which the ingest reads without decoding.
   */
  readonly prefersBytes: boolean;
  /**
   * Publishes messages and resolves once the bus has acknowledged all of them
   * (Kafka: acks=all). Awaiting it is the producer's backpressure.
   */
  send(messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumedBatch {
  records: BusRecord[];
  /** Commits the offsets after this batch. Call only once its records are safely stored. */
  commit(): Promise<void>;
}

export interface BatchOptions {
  /** Largest batch handed out. */
  maxRecords: number;
  /** Longest wait for a batch to fill once at least one record is there. */
  maxWaitMs: number;
  /** Ends the iteration (after the batch in hand was committed or dropped). */
  signal?: AbortSignal;
}

export interface BusConsumer {
  /** Batches from the committed offsets (or the earliest record) onwards. */
  batches(options: BatchOptions): AsyncIterable<ConsumedBatch>;
  /** Records not yet consumed by this group (consumer lag), when the bus can tell. */
  lag(): Promise<number | null>;
  close(): Promise<void>;
}

export interface Bus {
  readonly kind: 'memory' | 'kafka';
  /**
   * Whether records outlive this process (Kafka). The in-process bus starts empty each time:
   * a restarted `run` tells it where the warehouse's stored offsets end (`resumeTopic`).
   */
  readonly keepsRecords: boolean;
  /**
   * Continues `topic`'s offsets after those stored with RAW, so new records are not taken for
   * redeliveries of old ones. Nothing to do on a bus that keeps its records and offsets.
   */
  resumeTopic(topic: string, nextOffsets: Map<number, bigint>): void;
  /** Creates the topic when missing (idempotent). */
  ensureTopic(topic: string, partitions: number): Promise<void>;
  producer(topic: string): Promise<BusProducer>;
  consumer(topic: string, groupId: string): Promise<BusConsumer>;
  /**
   * Records on `topic` that `groupId` has not committed yet, read from the bus itself, so a
   * process without a consumer of its own (`dropship monitor`) can show the lag; null when the
   * bus cannot tell (the in-process bus of another process is out of reach).
   */
  consumerLag(groupId: string, topic: string): Promise<number | null>;
  /** Checks the bus answers; throws a PipelineError saying what is wrong otherwise. */
  ping(): Promise<string>;
  close(): Promise<void>;
}

/** Kafka's default partitioner for string keys is murmur2; any stable hash gives the same guarantee here. */
export function partitionForKey(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

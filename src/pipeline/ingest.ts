/**
 * Ingest stage (bus → RAW). Each batch is decoded, written to the warehouse in one
 * transaction (RAW rows + dead letters + bus offsets), and only then acknowledged on the bus.
 * A crash between the two is harmless: the redelivered records are recognised by their
 * stored offsets and skipped, so RAW holds each bus record once.
 * Large batches are decoded by a worker thread while the writer appends (decoder.ts).
 */
import type { BusConsumer, BusProducer } from '../bus/types.ts';
import { PipelineError } from '../errors.ts';
import type { DeadLetter, IngestResult, Warehouse } from '../warehouse/types.ts';
import { EventDecoder } from './decoder.ts';
import { RETRY, type RetryPolicy } from './retry.ts';
import type { PipelineStats } from './stats.ts';

export interface IngestOptions {
  consumer: BusConsumer;
  warehouse: Warehouse;
  consumerGroup: string;
  batchSize: number;
  batchWaitMs: number;
  /** MAX_EVENT_BYTES: larger records are dead-lettered (too_large); default the setting's. */
  maxEventBytes?: number;
  signal?: AbortSignal;
  stats?: PipelineStats;
  /**
   * Publishes dead letters to a DLQ topic (Kafka), after the warehouse write. Sent once from
   * here: the producer itself retries under RETRY.producer (a second retry around it would
   * multiply the waits).
   */
  deadLetterProducer?: BusProducer;
  /** How a failed warehouse write is retried (RETRY.warehouse unless a test injects one). */
  warehouseRetry?: RetryPolicy;
  onBatch?: (result: IngestResult & { records: number }) => void;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** The dead letter as published to the DLQ: the message as received, the reason in headers. */
function deadLetterMessage(d: DeadLetter) {
  const c = d.coordinates;
  return {
    key: d.received?.key ?? d.orderId ?? d.eventId ?? 'unknown',
    value: d.received?.value ?? d.rawValue ?? '',
    headers: {
      'dlq.reason': d.reason,
      'dlq.detail': d.detail,
      ...(c
        ? {
            'dlq.source.topic': c.topic,
            'dlq.source.partition': String(c.partition),
            'dlq.source.offset': String(c.offset),
          }
        : {}),
    },
  };
}

/** Runs until the signal aborts (after committing the batch in hand) or the bus ends. */
export async function runIngest(options: IngestOptions): Promise<void> {
  const batches = options.consumer.batches({
    maxRecords: options.batchSize,
    maxWaitMs: options.batchWaitMs,
    signal: options.signal,
  });
  const decoder = new EventDecoder({
    ...(options.maxEventBytes !== undefined ? { maxEventBytes: options.maxEventBytes } : {}),
    onWorkerFailure: (error) =>
      options.onRetry?.(
        new PipelineError(
          'IO',
          `decode worker failed, decoding on the ingest thread from now on: ${error.message}`,
          { cause: error },
        ),
        1,
        0,
      ),
  });
  try {
    for await (const batch of batches) {
      const chunks = decoder.decode(batch.records);
      // No abort signal here: a batch in hand is finished (written and committed) before stopping.
      // A retry writes the same chunks again: they are promises that never reject.
      const committed = { inserted: 0, quarantined: 0 };
      const last = await (options.warehouseRetry ?? RETRY.warehouse).run(
        () => options.warehouse.ingest({ consumerGroup: options.consumerGroup, chunks, committed }),
        {
          onRetry: (error, attempt, delay) => {
            if (options.stats) options.stats.ingestErrors++;
            options.onRetry?.(error, attempt, delay);
          },
        },
      );
      // What a failed attempt stored, the retry skipped as redelivered: it counts as stored.
      const storedEarlier =
        committed.inserted + committed.quarantined - last.inserted - last.quarantined;
      const result: IngestResult = {
        inserted: committed.inserted,
        quarantined: committed.quarantined,
        redelivered: last.redelivered - storedEarlier,
      };
      if (options.deadLetterProducer) {
        const rejected = (await Promise.all(chunks)).flatMap((c) => c.rejected);
        if (rejected.length > 0) {
          await options.deadLetterProducer.send(rejected.map(deadLetterMessage));
          if (options.stats) options.stats.deadLettersPublished += rejected.length;
        }
      }
      try {
        await batch.commit();
      } catch (error) {
        // The rows are stored with their offsets; a redelivery will be skipped. Keep going.
        options.onRetry?.(
          new PipelineError(
            'BUS_ERROR',
            `offset commit failed, records will be redelivered and skipped: ${(error as Error).message}`,
            { cause: error },
          ),
          1,
          0,
        );
      }
      options.stats?.recordBatch(
        batch.records.length,
        result.inserted,
        result.quarantined,
        result.redelivered,
      );
      options.onBatch?.({ ...result, records: batch.records.length });
    }
  } finally {
    await decoder.close();
  }
}

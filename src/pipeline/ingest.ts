/**
 * Ingest stage (bus → RAW). Each batch is decoded, written to the warehouse in one
 * transaction (RAW rows + dead letters + bus offsets), and only then acknowledged on the bus.
 * A crash between the two is harmless: the redelivered records are recognised by their
 * stored offsets and skipped, so RAW holds each bus record once.
 */
import type { BusConsumer, BusCoordinates, BusProducer, BusRecord } from '../bus/types.ts';
import { decodeOrderEvent, type OrderCreatedEvent } from '../domain/event.ts';
import { PipelineError } from '../errors.ts';
import type { DeadLetter, IngestResult, RawEvent, Warehouse } from '../warehouse/types.ts';
import { withRetry } from './retry.ts';
import type { PipelineStats } from './stats.ts';

export interface IngestOptions {
  consumer: BusConsumer;
  warehouse: Warehouse;
  consumerGroup: string;
  batchSize: number;
  batchWaitMs: number;
  signal?: AbortSignal;
  stats?: PipelineStats;
  /** Publishes dead letters to a DLQ topic (Kafka), after the warehouse write. */
  deadLetterProducer?: BusProducer;
  onBatch?: (result: IngestResult & { records: number }) => void;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** The RAW row of a valid event: the payload as received plus its typed order fields. */
export function rawEventOf(
  event: OrderCreatedEvent,
  coordinates: BusCoordinates,
  payload: string = JSON.stringify(event),
): RawEvent {
  const o = event.order;
  return {
    coordinates,
    eventId: event.event_id,
    eventType: event.event_type,
    orderId: o.id,
    payload,
    createdAt: event.timestamp,
    order: {
      productId: o.product_id,
      customerId: o.customer_id,
      quantity: o.quantity,
      unitPrice: o.unit_price,
      soldAt: o.sold_at,
    },
  };
}

export function decodeBatch(records: BusRecord[]): {
  accepted: RawEvent[];
  rejected: DeadLetter[];
} {
  const accepted: RawEvent[] = [];
  const rejected: DeadLetter[] = [];
  for (const record of records) {
    const coordinates = { topic: record.topic, partition: record.partition, offset: record.offset };
    // Decode the bytes once: the same text is parsed and stored as the RAW payload.
    const text =
      record.value === null || typeof record.value === 'string'
        ? record.value
        : record.value.toString('utf8');
    const decoded = decodeOrderEvent(text);
    if (decoded.ok) {
      accepted.push(rawEventOf(decoded.event, coordinates, text!));
    } else {
      rejected.push({
        coordinates,
        reason: decoded.reason,
        detail: decoded.detail,
        rawValue: text === null ? null : text.slice(0, 10_000),
        eventId: decoded.eventId,
        orderId: decoded.orderId,
      });
    }
  }
  return { accepted, rejected };
}

function deadLetterMessage(d: DeadLetter) {
  const c = d.coordinates;
  return {
    key: d.orderId ?? d.eventId ?? 'unknown',
    value: d.rawValue ?? '',
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
  for await (const batch of batches) {
    const { accepted, rejected } = decodeBatch(batch.records);
    // No abort signal here: a batch in hand is finished (written and committed) before stopping.
    const result = await withRetry(
      () => options.warehouse.ingest({ consumerGroup: options.consumerGroup, accepted, rejected }),
      {
        onRetry: (error, attempt, delay) => {
          if (options.stats) options.stats.ingestErrors++;
          options.onRetry?.(error, attempt, delay);
        },
      },
    );
    if (options.deadLetterProducer && rejected.length > 0) {
      await withRetry(() => options.deadLetterProducer!.send(rejected.map(deadLetterMessage)), {
        onRetry: options.onRetry,
      });
      if (options.stats) options.stats.deadLettersPublished += rejected.length;
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
}

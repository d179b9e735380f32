/**
 * Snowflake's primitives for the once-only ingest (../once-only-ingest.ts): one transaction of
 * RAW rows, dead letters and bus offsets. The rows go in one `INSERT … SELECT ?, PARSE_JSON(?), …`
 * per INSERT_ROWS rows with array binds (never a statement per row); the offsets are MERGEd
 * in the same transaction, so a consumer restarted after kill -9 skips what is stored.
 */
import type { BusCoordinates } from '../../bus/types.ts';
import { centsToDecimal } from '../../domain/entities.ts';
import { EVENT_TYPE_ORDER_CREATED } from '../../domain/event.ts';
import { QuarantineTable, quarantineRow } from '../../domain/table-columns.ts';
import { offsetKey, type RawStore, type RawTransaction } from '../once-only-ingest.ts';
import type { RawEventColumns } from '../raw-event-columns.ts';
import type { SnowflakeConnection } from './connection.ts';
import {
  APPEND_OFFSET,
  COMPACT_OFFSETS,
  INSERT_QUARANTINE,
  INSERT_RAW,
  STORED_OFFSETS,
} from './sql.ts';

/** Records per transaction: one commit per 10,000 rows (~4 MB of JSON binds). */
export const ROWS_PER_TRANSACTION = 10_000;

/** Offset rows per partition above which the log is compacted. */
const COMPACT_ABOVE = 100;

/** Rows per INSERT statement (the request carries them all as JSON). */
const INSERT_ROWS = 10_000;

type Bind = string | number | null;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** µs since the epoch → `YYYY-MM-DD HH:MM:SS.ffffff` (UTC), for TO_TIMESTAMP_NTZ. */
export function ntzText(micros: bigint): string {
  const ms = Number(micros / 1000n);
  const rest = String(Number(((micros % 1000n) + 1000n) % 1000n)).padStart(3, '0');
  return `${new Date(ms).toISOString().slice(0, 23).replace('T', ' ')}${rest}`;
}

export function ntzFromMs(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23).replace('T', ' ')}000`;
}

/** RAW rows of one run of columns, in RawTable's column order (INSERT_RAW's binds). */
function rawRows(c: RawEventColumns, ingestedAt: string): Bind[][] {
  const rows: Bind[][] = [];
  for (let i = 0; i < c.length; i++) {
    const payload = c.payload[i]!;
    // A lifecycle event has no order fields of its own: NULL, as on DuckDB.
    const created = c.eventType[i] === EVENT_TYPE_ORDER_CREATED;
    rows.push([
      c.eventId[i]!,
      c.eventType[i]!,
      c.orderId[i]!,
      typeof payload === 'string' ? payload : utf8.decode(payload),
      ntzText(c.createdAt[i]!),
      ingestedAt,
      c.topic[i]!,
      c.partition[i]!,
      Number(c.offset[i]!),
      created ? c.productId[i]! : null,
      created ? c.customerId[i]! : null,
      created ? c.quantity[i]! : null,
      created ? centsToDecimal(Number(c.unitPriceCents[i]!)) : null,
      created ? ntzText(c.soldAt[i]!) : null,
    ]);
  }
  return rows;
}

export class SnowflakeRawStore implements RawStore {
  constructor(private readonly connection: SnowflakeConnection) {}

  async readOffsets(consumerGroup: string): Promise<Map<string, bigint>> {
    const { rows } = await this.connection.execute<{
      topic: string;
      p: string;
      o: string;
      n: string;
    }>(STORED_OFFSETS, [consumerGroup]);
    // Keep the log short: a few rows per partition, not one per transaction ever written.
    if (rows.some((r) => Number(r.n) > COMPACT_ABOVE))
      await this.connection.execute(COMPACT_OFFSETS, [consumerGroup]);
    return new Map(rows.map((r) => [offsetKey(String(r.topic), Number(r.p)), BigInt(r.o)]));
  }

  async writeTransaction(
    tx: RawTransaction,
    consumerGroup: string,
    previous: Promise<void> | null,
  ): Promise<{ committed: Promise<void> }> {
    if (previous) await previous;
    const now = Date.now();
    const ingestedAt = ntzFromMs(now);
    const rows = tx.pieces.flatMap((piece) => rawRows(piece, ingestedAt));
    await this.connection.execute('BEGIN');
    for (let start = 0; start < rows.length; start += INSERT_ROWS)
      await this.connection.execute(INSERT_RAW, rows.slice(start, start + INSERT_ROWS));
    if (tx.deadLetters.length > 0) {
      const letters = tx.deadLetters.map((d) => {
        const row = quarantineRow(d, now);
        return QuarantineTable.columns.map((c): Bind => {
          const value = row[c.name];
          if (value === null) return null;
          if (c.type === 'timestamp') return ntzFromMs(Number(value));
          return typeof value === 'bigint' ? Number(value) : value;
        });
      });
      await this.connection.execute(INSERT_QUARANTINE, letters);
    }
    for (const o of tx.offsets.values()) await this.storeOffset(consumerGroup, o, ingestedAt);
    await this.connection.execute('COMMIT');
    return { committed: Promise.resolve() };
  }

  private async storeOffset(group: string, o: BusCoordinates, at: string): Promise<void> {
    await this.connection.execute(APPEND_OFFSET, [
      group,
      o.topic,
      o.partition,
      Number(o.offset),
      at,
    ]);
  }

  async abort(): Promise<void> {
    await this.connection.execute('ROLLBACK').catch(() => undefined);
  }
}

/**
 * produce --mode stream --count N, through streamOrders with a producer that records what it
 * is given (no bus: what is checked is what would be sent, in order).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusProducer, OutgoingMessage } from '../bus/types.ts';
import { SeedFiles } from '../domain/tables.ts';
import { generateSeedFiles } from './generate.ts';
import { streamOrders } from './produce.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dropship-produce-'));
  await generateSeedFiles({
    customers: 20,
    products: 5,
    orders: 50,
    seed: 3,
    start: new Date('2025-01-01T00:00:00Z'),
    end: new Date('2025-01-31T00:00:00Z'),
    outputDir: dir,
  });
  // Every product sold out at the end of the period: each streamed order is refused.
  const rows = ['product_id,initial_stock,final_stock'];
  for (let i = 1; i <= 5; i++) rows.push(`PRD-${String(i).padStart(5, '0')},3,0`);
  await writeFile(join(dir, SeedFiles.stock), rows.join('\n') + '\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function recorder(): BusProducer & { sent: OutgoingMessage[] } {
  const sent: OutgoingMessage[] = [];
  return {
    prefersBytes: false,
    sent,
    send: (messages) => {
      sent.push(...messages);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}

describe('streamOrders --count', () => {
  it('never stops between a refused order’s creation and its cancellation', async () => {
    for (const count of [1, 3, 5]) {
      const producer = recorder();
      const result = await streamOrders(dir, 20, { producer, rate: 0, count, timeScale: 10_000 });
      const events = producer.sent.map((m) => {
        const e = JSON.parse(String(m.value)) as { event_type: string; reason?: string };
        return { key: m.key, type: e.event_type, reason: e.reason };
      });
      // Out of stock everywhere: creation, cancellation, creation, cancellation…
      expect(events.length, `--count ${count}`).toBe(count + 1);
      expect(result.published).toBe(events.length);
      for (let i = 0; i < events.length; i += 2) {
        expect(events[i]!.type).toBe('order_created');
        expect(events[i + 1]).toEqual({
          key: events[i]!.key,
          type: 'order_cancelled',
          reason: 'out_of_stock',
        });
      }
    }
  });
});

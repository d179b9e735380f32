import { describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '../bus/types.ts';
import { LifecycleSimulator } from '../generator/lifecycle.ts';
import { LiveOrders } from '../generator/orders.ts';
import { StockLedger } from '../generator/stock-ledger.ts';
import { sleep } from './retry.ts';
import { DueHeap, liveBatches, type LiveStreamSource } from './live-stream.ts';

function source(seed: number, stock = [1e9, 1e9, 1e9]): LiveStreamSource {
  return {
    orders: new LiveOrders({ customers: 50, productPrices: [1999, 2999, 4999], seed }),
    lifecycle: new LifecycleSimulator(seed, Number.POSITIVE_INFINITY),
    stock: new StockLedger(stock),
    shippingOf: () => ({ supplierId: 'SUP-003', shippingDays: 4 }),
  };
}

interface Published {
  key: string;
  type: string;
  timestamp: string;
}

const read = (m: OutgoingMessage): Published => {
  const e = JSON.parse(String(m.value)) as { event_type: string; timestamp: string };
  return { key: m.key!, type: e.event_type, timestamp: e.timestamp };
};

describe('DueHeap', () => {
  it('gives the earliest due first, ties in creation order', () => {
    const heap = new DueHeap();
    const dues = [5, 1, 9, 1, 3, 7, 3, 0, 8];
    dues.forEach((dueMs, seq) =>
      heap.push({ dueMs, seq, createdMs: 0, steps: [], next: 0, product: 0, units: 0 }),
    );
    const out: string[] = [];
    while (heap.size > 0) {
      const top = heap.peek()!;
      out.push(`${top.dueMs}/${top.seq}`);
      heap.pop();
    }
    expect(out).toEqual(['0/7', '1/1', '1/3', '3/4', '3/6', '5/0', '7/5', '8/8', '9/2']);
  });
});

describe('liveBatches', () => {
  it('stops creating orders while the heap is full, and ends cleanly on abort', async () => {
    const stop = new AbortController();
    const published: Published[] = [];
    const pending: number[] = [];
    // The clock never moves: no step ever falls due, so only the cap's worth of orders is made.
    const batches = liveBatches(source(1), {
      batchSize: 10,
      timeScale: 10_000,
      maxPending: 5,
      signal: stop.signal,
      clock: {
        now: () => Date.parse('2026-01-05T10:00:00.000Z'),
        sleep: (ms, signal) => sleep(ms, signal),
      },
      onPending: (n) => pending.push(n),
    });
    setTimeout(() => stop.abort(), 100);
    for await (const batch of batches) published.push(...batch.map(read));
    expect(published.map((p) => p.type)).toEqual(Array(5).fill('order_created'));
    expect(Math.max(...pending)).toBe(5);
  });

  it('publishes each order’s steps after its creation, in lifecycle order, stamped when published', async () => {
    let clock = Date.parse('2026-01-05T10:00:00.000Z');
    const cap = 40;
    const pending: number[] = [];
    const published: Published[] = [];
    const stamps: string[] = [];
    let waited = 0;
    for await (const batch of liveBatches(source(2), {
      batchSize: 25,
      timeScale: 100_000, // a wall second is ~28 shop hours
      maxPending: cap,
      // Time passes only when the stream waits for its next step, or between batches.
      clock: {
        now: () => clock,
        sleep: async (ms) => {
          waited++;
          clock += ms;
        },
      },
      onPending: (n) => pending.push(n),
    })) {
      const at = new Date(clock).toISOString();
      for (const m of batch) {
        published.push(read(m));
        stamps.push(at);
      }
      clock += 250;
      if (published.length >= 4000) break;
    }
    expect(Math.max(...pending)).toBe(cap);
    expect(waited, 'a full heap made the stream wait').toBeGreaterThan(0);
    expect(published.map((p) => p.timestamp)).toEqual(stamps);
    const byOrder = new Map<string, string[]>();
    for (const p of published) {
      const types = byOrder.get(p.key);
      if (p.type === 'order_created') {
        expect(types, `${p.key} created twice`).toBeUndefined();
        byOrder.set(p.key, []);
      } else {
        expect(types, `${p.type} of ${p.key} before its creation`).toBeDefined();
        types!.push(p.type);
      }
    }
    const whole = [
      'order_cancelled',
      'order_paid,order_cancelled',
      'order_paid,order_shipped,order_delivered',
      'order_paid,order_shipped,order_delivered,order_returned',
    ];
    const paths = [...byOrder.values()].map((t) => t.join(','));
    // Every order is on a lifecycle path (a prefix of one, when still under way).
    for (const path of paths)
      expect(
        whole.some((w) => w.startsWith(path)),
        path,
      ).toBe(true);
    // Lifecycles are played to their end: deliveries and returns, not only creations.
    expect(paths).toContain('order_paid,order_shipped,order_delivered');
    expect(paths).toContain('order_paid,order_shipped,order_delivered,order_returned');
  });

  it('never oversells: orders beyond the stock are cancelled as out of stock, returns refill it', async () => {
    let clock = Date.parse('2026-01-05T10:00:00.000Z');
    const src = source(3, [6, 6, 6]);
    const quantities = new Map<string, number>();
    let held = 0;
    const events: { key: string; type: string; reason?: string }[] = [];
    for await (const batch of liveBatches(src, {
      batchSize: 20,
      timeScale: 1_000_000,
      maxPending: 30,
      clock: {
        now: () => clock,
        sleep: async (ms) => {
          clock += ms;
        },
      },
    })) {
      for (const m of batch) {
        const e = JSON.parse(String(m.value)) as {
          event_type: string;
          reason?: string;
          order?: { quantity: number };
        };
        if (e.event_type === 'order_created') quantities.set(m.key!, e.order!.quantity);
        // Shipped and not returned: units held, never more than the 18 there are.
        if (e.event_type === 'order_shipped') held += quantities.get(m.key!)!;
        if (e.event_type === 'order_returned') held -= quantities.get(m.key!)!;
        expect(held).toBeLessThanOrEqual(18);
        events.push({ key: m.key!, type: e.event_type, ...(e.reason ? { reason: e.reason } : {}) });
      }
      clock += 100;
      for (const left of src.stock.left) expect(left).toBeGreaterThanOrEqual(0);
      if (events.length >= 3000) break;
    }
    const outOfStock = events.filter((e) => e.reason === 'out_of_stock');
    expect(outOfStock.length, 'orders found the stock empty').toBeGreaterThan(0);
    // The others go on: the stock refills as cancellations and returns are published.
    expect(events.some((e) => e.type === 'order_shipped')).toBe(true);
    expect(src.stock.outOfStockOrders).toBeGreaterThanOrEqual(outOfStock.length);
  });
});

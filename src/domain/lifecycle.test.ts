import { describe, expect, it } from 'vitest';
import { decodeOrderEvent } from './event-decoding.ts';
import { lifecycleJson } from './event.ts';
import { lifecycleProblem, type LifecycleStep } from './lifecycle.ts';

const shipped: LifecycleStep = {
  order_id: 'ORD-00000001',
  event_type: 'order_shipped',
  at: '2025-03-02T10:00:00.000Z',
  supplier_id: 'SUP-003',
  tracking_id: 'TRK-3-00000001',
};

describe('lifecycle events', () => {
  it('decodes each lifecycle type as a known event, the step time as its timestamp', () => {
    const steps: LifecycleStep[] = [
      { order_id: 'ORD-00000001', event_type: 'order_paid', at: '2025-03-01T10:00:00.000Z' },
      shipped,
      { order_id: 'ORD-00000001', event_type: 'order_delivered', at: '2025-03-05T10:00:00.000Z' },
      {
        order_id: 'ORD-00000001',
        event_type: 'order_returned',
        at: '2025-03-09T10:00:00.000Z',
        reason: 'size',
      },
      {
        order_id: 'ORD-00000002',
        event_type: 'order_cancelled',
        at: '2025-03-03T10:00:00.000Z',
        reason: 'unpaid',
      },
    ];
    for (const step of steps) {
      const decoded = decodeOrderEvent(lifecycleJson(step));
      expect(decoded).toMatchObject({ ok: true, orderId: step.order_id, createdAt: step.at });
      if (decoded.ok) expect(decoded.event.event_type).toBe(step.event_type);
    }
  });

  it('refuses a step without its details, with the reason of order-rules', () => {
    const cases: [Partial<LifecycleStep>, string, string][] = [
      [{ supplier_id: undefined }, 'invalid_shape', 'supplier_id'],
      [{ tracking_id: 'x' }, 'invalid_shape', 'tracking_id'],
      [{ event_type: 'order_returned', reason: 'bored' }, 'invalid_value', 'reason'],
      [{ event_type: 'order_cancelled' }, 'invalid_value', 'reason'],
      [{ at: '2025-02-30T10:00:00.000Z' }, 'invalid_value', 'timestamp'],
      [{ order_id: 'nope' }, 'invalid_shape', 'order.id'],
    ];
    for (const [change, reason, field] of cases) {
      const step = { ...shipped, ...change } as LifecycleStep;
      const decoded = decodeOrderEvent(lifecycleJson(step));
      expect(decoded).toMatchObject({ ok: false, reason });
      expect(!decoded.ok && decoded.detail.startsWith(field)).toBe(true);
      expect(lifecycleProblem(step)).not.toBeNull();
    }
  });

  it('still refuses an unknown event type', () => {
    const decoded = decodeOrderEvent(
      lifecycleJson({ ...shipped, event_type: 'order_lost' as never }),
    );
    expect(decoded).toMatchObject({ ok: false, reason: 'unknown_event_type' });
  });
});

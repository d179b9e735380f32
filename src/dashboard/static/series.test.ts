import { describe, expect, it } from 'vitest';
import { dailySeries, INTEGER_INCRS, MAX_DAYS } from './series.js';

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 1000;

describe('per-day chart series', () => {
  it('draws a day without sales as 0 orders and 0 revenue, not as a ramp between its neighbours', () => {
    const [days, orders, revenue] = dailySeries([
      { day: '2025-01-10', orders: 2, revenue: 110 },
      { day: '2025-01-13', orders: 5, revenue: 240.5 },
    ]);
    expect(days).toEqual([
      day('2025-01-10'),
      day('2025-01-11'),
      day('2025-01-12'),
      day('2025-01-13'),
    ]);
    expect(orders).toEqual([2, 0, 0, 5]);
    expect(revenue).toEqual([110, 0, 0, 240.5]);
  });

  it('crosses month and leap-day boundaries one UTC day at a time', () => {
    const [days] = dailySeries([
      { day: '2024-02-28', orders: 1, revenue: 1 },
      { day: '2024-03-01', orders: 1, revenue: 1 },
    ]);
    expect(days.map((t) => new Date(t * 1000).toISOString().slice(0, 10))).toEqual([
      '2024-02-28',
      '2024-02-29',
      '2024-03-01',
    ]);
  });

  it('is empty without sales, and keeps at most MAX_DAYS (the latest) whatever the dates', () => {
    expect(dailySeries([])).toEqual([[], [], []]);
    const [days, orders] = dailySeries([
      { day: '1990-01-01', orders: 9, revenue: 9 },
      { day: '2026-06-30', orders: 3, revenue: 30 },
    ]);
    expect(days).toHaveLength(MAX_DAYS);
    expect(days.at(-1)).toBe(day('2026-06-30'));
    expect(orders.at(-1)).toBe(3);
    expect(orders.slice(0, -1).every((n) => n === 0)).toBe(true);
  });
});

describe('count axis steps', () => {
  it('are whole numbers only, increasing, from 1 up past a billion', () => {
    expect(INTEGER_INCRS.every((n) => Number.isInteger(n) && n >= 1)).toBe(true);
    expect(INTEGER_INCRS.slice(0, 6)).toEqual([1, 2, 5, 10, 20, 50]);
    for (let i = 1; i < INTEGER_INCRS.length; i++)
      expect(INTEGER_INCRS[i]!).toBeGreaterThan(INTEGER_INCRS[i - 1]!);
    expect(INTEGER_INCRS.at(-1)!).toBeGreaterThan(1e9);
  });
});
